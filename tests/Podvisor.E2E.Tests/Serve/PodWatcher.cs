using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// A KubernetesClient watch on one existing pod: every version the API sends is kept (<see cref="Seen"/>) and can be
/// awaited (<see cref="WaitAsync"/>). The watch ends when serve stops (<see cref="Ended"/>).
/// </summary>
internal sealed class PodWatcher : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Channel<V1Pod> _versions = Channel.CreateUnbounded<V1Pod>();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _name;

    private PodWatcher(Kubernetes client, string name)
    {
        _name = name;
        Ended = Task.Run(() => PumpAsync(client));
    }

    public List<V1Pod> Seen { get; } = [];

    /// <summary>Completes when the server ends the watch (serve stopped) or the watcher is disposed.</summary>
    public Task Ended { get; }

    /// <summary>Starts the watch and returns once its first event (the pod as it is now) arrived.</summary>
    public static async Task<PodWatcher> StartAsync(Kubernetes client, string name)
    {
        var watcher = new PodWatcher(client, name);
        await watcher.WaitAsync(_ => true, "the watch's first event");
        return watcher;
    }

    /// <summary>
    /// Waits (one overall timeout) until the pod as last seen, or a later version (read in order), satisfies
    /// <paramref name="until"/>.
    /// </summary>
    public async Task<V1Pod> WaitAsync(Func<V1Pod, bool> until, string what)
    {
        if (Seen.Count > 0 && until(Seen[^1]))
        {
            return Seen[^1];
        }

        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (await _versions.Reader.WaitToReadAsync(cts.Token))
            {
                while (_versions.Reader.TryRead(out var pod))
                {
                    Seen.Add(pod);
                    if (until(pod))
                    {
                        return pod;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below.
        }

        var last = Seen.Count == 0 ? "nothing" : KubernetesYaml.Serialize(Seen[^1].Status);
        Assert.Fail($"pod {_name}: {what} not seen within {Timeout.TotalSeconds} s; last version:\n{last}");
        return null!;
    }

    /// <summary>Waits for the watch to end (serve stopped) and returns the versions not read yet.</summary>
    public async Task<List<V1Pod>> RemainingAsync()
    {
        await Ended.WaitAsync(Timeout);
        var rest = new List<V1Pod>();
        while (_versions.Reader.TryRead(out var pod))
        {
            rest.Add(pod);
        }

        Seen.AddRange(rest);
        return rest;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task PumpAsync(Kubernetes client)
    {
        try
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("default", fieldSelector: $"metadata.name={_name}", cancellationToken: _stop.Token))
            {
                if (type != WatchEventType.Deleted)
                {
                    _versions.Writer.TryWrite(pod);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // Serve stopped or the test is done.
        }
        finally
        {
            _versions.Writer.TryComplete();
        }
    }
}
