using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Api;
using Podvisor.Node;

namespace Podvisor.Bench;

/// <summary>
/// api_list_1000 and watch_fanout_100 against the API of <c>podvisor serve</c>, wired in process exactly as the command
/// does (PodvisorApiServer on 127.0.0.1, SQLite store, PodAgent, ProcessRuntime), with N pods of 3 <c>sleep</c>
/// containers created through the API and running.
/// </summary>
internal static class ApiSuite
{
    private const string Pods = "/api/v1/namespaces/default/pods";
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromMinutes(5);

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options)
    {
        var count = options.Quick ? 110 : 1000;
        await using var api = await ApiNode.StartAsync();
        var names = await api.CreatePodsAsync(count);
        var scaled = options.Quick ? $"scaled down: {count} pods (--quick); " : "";
        var (list, table, one, kubectl) = await ListAsync(api, names[0], count, options.Quick ? 20 : 100);
        var single = await WatchAsync(api, names[0], 1, options.Quick ? 20 : 100);
        var fanout = await WatchAsync(api, names[0], 100, options.Quick ? 20 : 100);
        await api.DeletePodsAsync(names);
        return
        [
            list.ToFigure("api_list_1000", "ms", one.P99, "p99 < 100 ms", s => s.P99 < 100) with
            {
                Note = $"{scaled}GET {Pods} (JSON, {count} pods) over HTTP/1.1 loopback; baseline: GET of one pod; "
                    + $"as Table (kubectl's request) p50 {Samples.Round(table.P50)} ms, p99 {Samples.Round(table.P99)} ms; `kubectl get pods` {kubectl}",
            },
            fanout.ToFigure("watch_fanout_100", "ms", single.P99, null, null) with
            {
                Note = $"{scaled}merge-patch of a label -> the MODIFIED event read by all 100 watchers of the namespace; baseline: the same with 1 watcher",
            },
        ];
    }

    /// <summary>The list as JSON and as Table, a GET of one pod (the request floor), and one kubectl run.</summary>
    private static async Task<(Samples List, Samples Table, Samples One, string Kubectl)> ListAsync(ApiNode api, string pod, int count, int samples)
    {
        var list = new Samples();
        var table = new Samples();
        var one = new Samples();
        for (var i = -3; i < samples; i++)
        {
            var (ms, body) = await api.TimedGetAsync(Pods, null);
            var (tableMs, _) = await api.TimedGetAsync(Pods, TableAccept);
            var (oneMs, _) = await api.TimedGetAsync($"{Pods}/{pod}", null);
            if (i < 0)
            {
                var listed = JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength();
                if (listed != count)
                {
                    throw new InvalidOperationException($"listed {listed} pods, expected {count}");
                }

                continue;
            }

            list.Add(ms);
            table.Add(tableMs);
            one.Add(oneMs);
        }

        return (list, table, one, await KubectlAsync(api));
    }

    /// <summary>Wall time of one <c>kubectl get pods</c> (process start, discovery, Table list, printing), if kubectl is here.</summary>
    private static async Task<string> KubectlAsync(ApiNode api)
    {
        try
        {
            var start = new ProcessStartInfo("kubectl", ["--kubeconfig", api.Kubeconfig, "get", "pods", "--no-headers"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var clock = Stopwatch.StartNew();
            using var kubectl = Process.Start(start)!;
            var output = await kubectl.StandardOutput.ReadToEndAsync();
            await kubectl.WaitForExitAsync();
            return kubectl.ExitCode == 0
                ? $"{clock.Elapsed.TotalMilliseconds:F0} ms wall ({output.Count(c => c == '\n')} rows)"
                : "failed: " + (await kubectl.StandardError.ReadToEndAsync()).Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not measured (no kubectl)";
        }
    }

    /// <summary>
    /// <paramref name="watchers"/> watches of the namespace from the current resourceVersion; per sample a merge patch of
    /// a label on one pod, timed from before the request until the last watcher read the event's line.
    /// </summary>
    private static async Task<Samples> WatchAsync(ApiNode api, string pod, int watchers, int samples)
    {
        var (_, body) = await api.TimedGetAsync(Pods + "?limit=1", null);
        var rv = JsonDocument.Parse(body).RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        using var stop = new CancellationTokenSource();
        var fanout = new Fanout(watchers);
        var readers = Enumerable.Range(0, watchers).Select(_ => api.WatchAsync($"{Pods}?watch=1&resourceVersion={rv}", fanout.Seen, stop.Token)).ToList();
        await fanout.Connected(api, pod, WaitTimeout);
        var result = new Samples();
        for (var i = -3; i < samples; i++)
        {
            var marker = fanout.Expect();
            var t0 = Stopwatch.GetTimestamp();
            await api.PatchLabelAsync(pod, marker);
            var last = await fanout.AllSeen.WaitAsync(WaitTimeout);
            if (i >= 0)
            {
                result.Add(Ticks.ToMs(last - t0));
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        return result;
    }

    /// <summary>Counts the watchers that read the line carrying the current marker; completes with the last read time.</summary>
    private sealed class Fanout(int watchers)
    {
        private readonly Lock _gate = new();
        private string _marker = "";
        private int _pending;
        private long _last;
        private TaskCompletionSource<long> _allSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<long> AllSeen => _allSeen.Task;

        public string Expect()
        {
            lock (_gate)
            {
                _marker = $"m{Guid.NewGuid():N}"[..16];
                _pending = watchers;
                _last = 0;
                _allSeen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _marker;
            }
        }

        /// <summary>Called by each watcher for each line it reads; a watcher counts once per marker.</summary>
        public void Seen(string line, long timestamp, ref string lastMarker)
        {
            lock (_gate)
            {
                if (_marker.Length == 0 || lastMarker == _marker || !line.Contains(_marker, StringComparison.Ordinal))
                {
                    return;
                }

                lastMarker = _marker;
                _last = Math.Max(_last, timestamp);
                if (--_pending == 0)
                {
                    _allSeen.TrySetResult(_last);
                }
            }
        }

        /// <summary>Patches until every watcher saw one event (the watches are established).</summary>
        public async Task Connected(ApiNode api, string pod, TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var marker = Expect();
                await api.PatchLabelAsync(pod, marker);
                if (await Task.WhenAny(AllSeen, Task.Delay(TimeSpan.FromSeconds(1))) == AllSeen)
                {
                    return;
                }

                if (deadline.Elapsed > timeout)
                {
                    throw new TimeoutException("the watches did not all receive an event");
                }
            }
        }
    }

    /// <summary>The serve wiring, an HTTP client for it, and pod creation/deletion through the API.</summary>
    private sealed class ApiNode : IAsyncDisposable
    {
        private readonly ILoggerFactory _logs;
        private readonly PodvisorNode _node;
        private readonly PodvisorApiServer _server;
        private readonly HttpClient _http;

        private ApiNode(PodvisorNode node, ILoggerFactory logs, PodvisorApiServer server, string url)
        {
            (_node, _logs, _server) = (node, logs, server);
            // The API serves HTTPS with the self-signed certificate its kubeconfig names: trust exactly that one.
            var trusted = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath).SslCaCerts.Single().Thumbprint;
            _http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = 1000,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 c && c.Thumbprint == trusted },
            })
            {
                BaseAddress = new Uri(url),
                Timeout = Timeout.InfiniteTimeSpan,
            };
        }

        public string Kubeconfig => _server.KubeconfigPath;

        public static async Task<ApiNode> StartAsync()
        {
            var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            var node = await PodvisorNode.OpenAsync(BenchNode.Options(Path.Combine("/tmp/podvisor-bench", $"api-{Guid.NewGuid():N}"[..16])), logs);
            var (server, url) = await node.ServeAsync("127.0.0.1:0", tokenFile: null, CancellationToken.None);
            return new ApiNode(node, logs, server, url);
        }

        /// <summary>Creates pods scale-0..N-1 (50 requests at a time) and waits until the API shows them all Running.</summary>
        public async Task<List<string>> CreatePodsAsync(int count)
        {
            var template = KubernetesYaml.Deserialize<V1Pod>(Bench.Pods.Scale);
            var names = Enumerable.Range(0, count).Select(i => $"scale-{i}").ToList();
            var bodies = names.Select(name =>
            {
                template.Metadata.Name = name;
                return (Name: name, Json: KubernetesJson.Serialize(template));
            }).ToList();
            foreach (var batch in bodies.Chunk(50))
            {
                await Task.WhenAll(batch.Select(async pod =>
                {
                    var (name, json) = pod;
                    using var response = await _http.PostAsync(Pods, new StringContent(json, Encoding.UTF8, "application/json"));
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        throw new InvalidOperationException($"create {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }));
            }

            await WaitForAsync(pods => pods.Items.Count(p => p.Status?.Phase == "Running") == count);
            return names;
        }

        /// <summary>Deletes the pods (grace 0) and waits until the list is empty.</summary>
        public async Task DeletePodsAsync(IEnumerable<string> names)
        {
            foreach (var batch in names.Chunk(50))
            {
                await Task.WhenAll(batch.Select(async name => (await _http.DeleteAsync($"{Pods}/{name}?gracePeriodSeconds=0")).Dispose()));
            }

            await WaitForAsync(pods => pods.Items.Count == 0);
        }

        public async Task<(double Ms, string Body)> TimedGetAsync(string path, string? accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", accept ?? "application/json");
            var t0 = Stopwatch.GetTimestamp();
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var ms = Ticks.ToMs(Stopwatch.GetTimestamp() - t0);
            response.EnsureSuccessStatusCode();
            return (ms, body);
        }

        public async Task PatchLabelAsync(string pod, string value)
        {
            var patch = new StringContent("{\"metadata\":{\"labels\":{\"bench\":\"" + value + "\"}}}", Encoding.UTF8, "application/merge-patch+json");
            using var response = await _http.PatchAsync($"{Pods}/{pod}", patch);
            response.EnsureSuccessStatusCode();
        }

        /// <summary>Reads a watch stream line by line until cancelled, reporting each line with its read time.</summary>
        public async Task WatchAsync(string path, SeenLine seen, CancellationToken ct)
        {
            using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            var lastMarker = "";
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                seen(line, Stopwatch.GetTimestamp(), ref lastMarker);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _server.StopAsync();
            await RemoveEverythingAsync();
            await _node.DisposeAsync();
            _logs.Dispose();
            try
            {
                Directory.Delete(_node.Options.DataDir, recursive: true);
            }
            catch (IOException)
            {
                // a busy mount stays under /tmp
            }
        }

        /// <summary>
        /// Stops the agent, kills every container of the process runtime and removes the sandboxes of the agent's pods: the
        /// run leaves no process, network namespace or IP claim behind.
        /// </summary>
        private async Task RemoveEverythingAsync()
        {
            var pods = _node.Agent?.GetPods().Select(p => p.Metadata.Uid).ToList() ?? [];
            await _node.StopAgentAsync();
            if (_node.Processes is not { } processes)
            {
                return;
            }

            await processes.KillAllAsync();
            foreach (var sandbox in pods.SelectMany(uid => processes.GetPodStatus(uid).Sandboxes))
            {
                await processes.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
            }
        }

        private async Task WaitForAsync(Func<V1PodList, bool> done)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var (_, body) = await TimedGetAsync(Pods, null);
                if (done(KubernetesJson.Deserialize<V1PodList>(body)))
                {
                    return;
                }

                if (deadline.Elapsed > WaitTimeout)
                {
                    throw new TimeoutException("pods did not reach the expected state through the API");
                }

                await Task.Delay(500);
            }
        }
    }

    private delegate void SeenLine(string line, long timestamp, ref string lastMarker);
}
