using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>docs/scenarios.md CL-12 with real processes: termination messages from the file or, on error, from the log.</summary>
public sealed class TerminationMessageTests : AgentTest
{
    [RootFact]
    public async Task CL_12_TerminationMessageFromTheFileOrTheLogTail()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-12}
            spec:
              restartPolicy: Never
              containers:
              - {name: file, image: busybox, command: ["/bin/sh", "-c", "printf boom > /dev/termination-log; exit 3"]}
              - name: logs
                image: busybox
                terminationMessagePolicy: FallbackToLogsOnError
                command: ["/bin/sh", "-c", "i=1; while [ $i -le 100 ]; do printf 'line %03d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n' $i; i=$((i + 1)); done; exit 1"]
            """);

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        var file = failed.Container("file").State.Terminated;
        Assert.Equal((3, ContainerReasons.Error, "boom"), (file.ExitCode, file.Reason, file.Message));
        var lastEighty = string.Concat(Enumerable.Range(21, 80).Select(i => $"line {i:000} {new string('x', 40)}\n"));
        Assert.Equal(lastEighty[^2048..], failed.Container("logs").State.Terminated.Message);
    }

    [RootFact]
    public async Task CL_12_TerminationMessageFileKeepsItsLast4096Bytes()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-12-long}
            spec:
              restartPolicy: Never
              containers:
              - {name: long, image: busybox, command: ["/bin/sh", "-c", "printf 'head\\n' > /dev/termination-log; i=0; while [ $i -lt 500 ]; do printf '%09d\\n' $i >> /dev/termination-log; i=$((i + 1)); done"]}
            """);

        var succeeded = await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        var written = "head\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"{i:000000000}\n"));
        Assert.Equal(written[^4096..], succeeded.Container("long").State.Terminated.Message);
    }
}
