using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// A plain HTTP watch on one pod of a <see cref="ServeHarness"/>: every version is kept both as the JSON text the API
/// sent (what kubectl <c>-o json</c> shows, explicit nulls and all) and as a typed <see cref="V1Pod"/> for predicates.
/// One overall deadline per test (<see cref="Timeout"/>), never a sleep.
/// </summary>
internal sealed class RawPodWatch : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Channel<(V1Pod Pod, JsonObject Json)> _versions = Channel.CreateUnbounded<(V1Pod, JsonObject)>();
    private readonly CancellationTokenSource _deadline = new(Timeout);
    private readonly HttpClient _http;
    private readonly string _name;
    private readonly TaskCompletionSource _deleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (V1Pod Pod, JsonObject Json)? _last;

    private RawPodWatch(HttpClient http, string name)
    {
        _http = http;
        _name = name;
        _ = Task.Run(PumpAsync);
    }

    /// <summary>Watches pod <paramref name="name"/> of serve as it runs now (its kubeconfig is read again after a restart).</summary>
    public static RawPodWatch Start(ServeHarness h, string name)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(h.Kubeconfig);
        var http = config.SslCaCerts is { Count: > 0 } ? TrustedHttp.Client(h.Kubeconfig) : new HttpClient { BaseAddress = new Uri(config.Host) };
        if (config.AccessToken is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        return new RawPodWatch(http, name);
    }

    /// <summary>
    /// The version last read, or the first later one (read in order), that satisfies <paramref name="until"/>: the typed
    /// pod and the JSON object the API sent for it. Fails with the last version seen when the deadline passes first.
    /// </summary>
    public async Task<(V1Pod Pod, JsonObject Json)> WaitAsync(Func<V1Pod, bool> until, string what)
    {
        if (_last is { } last && until(last.Pod))
        {
            return last;
        }

        try
        {
            while (await _versions.Reader.WaitToReadAsync(_deadline.Token))
            {
                while (_versions.Reader.TryRead(out var version))
                {
                    _last = version;
                    if (version.Pod.Status is not null && until(version.Pod))
                    {
                        return version;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below.
        }

        Assert.Fail($"pod {_name}: {what} not seen within {Timeout.TotalSeconds} s; last version:\n{_last?.Json["status"]}");
        return default;
    }

    /// <summary>Waits (within the same deadline) for the watch's DELETED event: the object is gone from the API.</summary>
    public Task DeletedAsync() => _deleted.Task.WaitAsync(_deadline.Token);

    public void Dispose()
    {
        _deadline.Cancel();
        _deadline.Dispose();
        _http.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            var uri = new Uri($"/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3D{_name}", UriKind.Relative);
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, _deadline.Token);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_deadline.Token));
            while (await reader.ReadLineAsync(_deadline.Token) is { } line)
            {
                if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject evt || evt["object"] is not JsonObject json)
                {
                    continue;
                }

                if ((string?)evt["type"] == "DELETED")
                {
                    _deleted.TrySetResult();
                    continue;
                }

                _versions.Writer.TryWrite((KubernetesJson.Deserialize<V1Pod>(json.ToJsonString()), json));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException or ObjectDisposedException)
        {
            // The test is done or serve stopped.
        }
        finally
        {
            _versions.Writer.TryComplete();
        }
    }
}
