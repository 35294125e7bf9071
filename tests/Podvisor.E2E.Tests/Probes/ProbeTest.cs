using k8s.Models;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>
/// Base of the probe and hook tests, on the shared in-process harness (<see cref="AgentTest"/>: real agent, real process
/// runtime, one deadline per test). Adds a record directory <see cref="Rec"/> the pods' processes, hooks and probes
/// write to (the process runtime shows containers the host file system outside their volumes; <c>{rec}</c> in a
/// manifest becomes its path), and waits on event texts.
/// </summary>
public abstract class ProbeTest : AgentTest
{
    private string? _rec;

    /// <summary>The record directory of the current test (under the harness's data dir, removed with it).</summary>
    protected string Rec => _rec ?? throw new InvalidOperationException("StartAsync first");

    /// <summary>Starts the test's agent and creates <see cref="Rec"/>.</summary>
    protected async Task StartAsync()
    {
        var harness = await StartAgentAsync();
        _rec = Directory.CreateDirectory(Path.Combine(harness.DataDir, "rec")).FullName;
    }

    /// <summary>Admits and runs a pod on the current agent; <c>{rec}</c> in the manifest becomes <see cref="Rec"/>.</summary>
    protected TestPod Run(string yaml) => Harness.Run(yaml.Replace("{rec}", Rec, StringComparison.Ordinal));

    /// <summary><see cref="StartAsync"/>, then <see cref="Run"/>.</summary>
    protected async Task<TestPod> RunPodAsync(string yaml)
    {
        await StartAsync();
        return Run(yaml);
    }

    protected string RecPath(string name) => Path.Combine(Rec, name);

    protected void Touch(string name) => File.WriteAllText(RecPath(name), "");

    protected string ReadRec(string name) => File.ReadAllText(RecPath(name));

    /// <summary>Writes one of the <see cref="PodScripts"/> into <see cref="Rec"/>.</summary>
    protected void WriteScript(string file, string script) => File.WriteAllText(RecPath(file), script);

    protected static Task<V1PodStatus> StatusAsync(TestPod pod, string what, Func<V1PodStatus, bool> until) => pod.WaitForAsync(until, what);

    protected static Task<V1PodStatus> TerminalAsync(TestPod pod) =>
        pod.WaitForAsync(s => s.Phase is "Succeeded" or "Failed", "a terminal phase");

    /// <summary>Waits for an event of the pod (recorded already or to come) that matches, and returns it.</summary>
    protected Task<Corev1Event> EventAsync(TestPod pod, string what, Func<Corev1Event, bool> match) =>
        CaptureAsync(() => pod.Events.FirstOrDefault(match), $"{pod.Name}: {what}");

    /// <summary>Waits for an event of <paramref name="container"/> with this reason and exact message.</summary>
    protected Task<Corev1Event> EventAsync(TestPod pod, string container, string reason, string message) =>
        EventAsync(pod, $"{reason} \"{message}\" of {container}", e => IsAbout(e, container, reason) && e.Message == message);

    /// <summary>
    /// Waits until <paramref name="capture"/> returns a value. It runs inside the agent's report of each change, so
    /// it sees the pod's files exactly as they were at that status or event.
    /// </summary>
    protected async Task<T> CaptureAsync<T>(Func<T?> capture, string what)
        where T : class
    {
        T? value = null;
        await Harness.WaitAsync(() => (value = capture()) is not null, what);
        return value!;
    }

    /// <summary>The files of an emptyDir as they were when the pod's first terminal status was published (the volume goes right after).</summary>
    protected Task<Dictionary<string, string>> EmptyDirAtTerminalAsync(TestPod pod, string volume) =>
        CaptureAsync(() => pod.History.Count > 0 && pod.Status.Phase is "Succeeded" or "Failed"
            ? Directory.EnumerateFiles(pod.EmptyDir(volume)).ToDictionary(f => Path.GetFileName(f), File.ReadAllText)
            : null, $"{pod.Name}: a terminal phase");

    /// <summary>What the agent reported so far, for assertion messages.</summary>
    protected string Describe() => Harness.Diagnostics();

    /// <summary>Whether the event is about <paramref name="container"/> (either kind) and has this reason.</summary>
    protected static bool IsAbout(Corev1Event e, string container, string reason) => e.Reason == reason && e.ContainerName() == container;
}

/// <summary>Container probe state in a pod status.</summary>
public static class ProbeQueries
{
    public static bool IsReady(this V1PodStatus status, string container) => status.Of(container)?.Ready == true;

    public static bool IsStarted(this V1PodStatus status, string container) => status.Of(container)?.Started == true;
}
