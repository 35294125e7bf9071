using System.CommandLine;
using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Commands;

/// <summary>
/// <c>podvisor restart POD [-n NS] [--kubeconfig F]</c> (docs/contracts.md §1, §D14): asks the serving agent for one
/// RestartAllContainers cycle by setting a new value of the pod annotation <c>podvisor.dev/restart-all-containers</c>
/// (what <c>kubectl annotate</c> does), then waits for the agent's RestartAllContainers event about that value.
/// Exit 0 when the cycle started, 1 when the agent refused it (the event says why) or the API failed.
/// </summary>
internal static class RestartCommand
{
    private static readonly TimeSpan EventWait = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var pod = new Argument<string>("POD") { Description = "Name of a running pod." };
        var ns = new Option<string?>("--namespace", "-n") { Description = "The pod's namespace (default: the kubeconfig context's, else default)." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig of podvisor serve (default: $KUBECONFIG, else ~/.kube/config)." };
        var command = new Command("restart", "Restart all containers of a running pod in place (one RestartAllContainers cycle), through the API of podvisor serve.")
        {
            pod, ns, kubeconfig,
        };
        command.SetAction((parse, ct) => ExecuteAsync(parse.GetValue(pod)!, parse.GetValue(ns), parse.GetValue(kubeconfig), ct));
        return command;
    }

    private static async Task<int> ExecuteAsync(string name, string? ns, string? kubeconfig, CancellationToken ct)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG"));
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }

        ns ??= config.Namespace ?? "default";
        using var client = new Kubernetes(config);
        var value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var patch = new V1Patch(
            KubernetesJson.Serialize(new { metadata = new { annotations = new Dictionary<string, string> { [RestartAllRequest.Annotation] = value } } }),
            V1Patch.PatchType.MergePatch);
        try
        {
            // The event can only follow the patch: watching from the list's resourceVersion misses nothing.
            var before = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: Selector(name), cancellationToken: ct);
            await client.CoreV1.PatchNamespacedPodAsync(patch, name, ns, cancellationToken: ct);
            Console.Out.WriteLine($"pod/{name} restart requested ({RestartAllRequest.Annotation}={value})");
            return await WaitForOutcomeAsync(client, name, ns, value, before.Metadata.ResourceVersion, ct);
        }
        catch (HttpOperationException ex)
        {
            Console.Error.WriteLine(ServerError(ex));
            return 1;
        }
        catch (HttpRequestException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Watches the pod's RestartAllContainers events until the one about <paramref name="value"/> arrives.</summary>
    private static async Task<int> WaitForOutcomeAsync(Kubernetes client, string name, string ns, string value, string resourceVersion, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(EventWait);
        var cause = RestartAllRequest.Cause(value);
        try
        {
            var events = client.CoreV1.WatchListNamespacedEventAsync(ns,
                fieldSelector: Selector(name), resourceVersion: resourceVersion, cancellationToken: deadline.Token);
            await foreach (var (_, evt) in events)
            {
                if (evt.Message?.StartsWith(cause, StringComparison.Ordinal) == true)
                {
                    Console.Out.WriteLine($"{evt.Type} {evt.Reason}: {evt.Message}");
                    return evt.Type == "Normal" ? 0 : 1;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }

        Console.Error.WriteLine($"warning: no {EventReasons.RestartAllContainers} event for this request within {EventWait.TotalSeconds:0}s");
        return 1;
    }

    private static string Selector(string pod) => $"involvedObject.name={pod},reason={EventReasons.RestartAllContainers}";

    /// <summary>kubectl's form: <c>Error from server (NotFound): pods "x" not found</c>.</summary>
    private static string ServerError(HttpOperationException ex)
    {
        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(ex.Response.Content);
            return $"Error from server ({status.Reason}): {status.Message}";
        }
        catch (System.Text.Json.JsonException)
        {
            return $"Error from server ({ex.Response.ReasonPhrase}): {ex.Message}";
        }
    }
}
