namespace Podvisor.Bench;

/// <summary>
/// The benchmark pods. Every long-running container is <c>sleep 3600</c>; the harness triggers an exit with SIGUSR1
/// (exit code 138 = 128 + 10), which the pods' restart rules match.
/// </summary>
internal static class Pods
{
    public const int TriggerExitCode = 138;

    /// <summary>One container with a <c>Restart</c> rule for the trigger code under a <c>Never</c> policy.</summary>
    public const string Restart = """
        apiVersion: v1
        kind: Pod
        metadata: {name: restart}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: ["sleep", "3600"]
            restartPolicy: Never
            restartPolicyRules:
            - action: Restart
              exitCodes: {operator: In, values: [138]}
        """;

    /// <summary>1 init (<c>true</c>), 1 sidecar and 2 regular containers; <c>trigger</c> restarts all in place.</summary>
    public const string RestartAll = """
        apiVersion: v1
        kind: Pod
        metadata: {name: restart-all}
        spec:
          restartPolicy: Never
          initContainers:
          - name: init
            image: busybox
            command: ["true"]
          - name: sidecar
            image: busybox
            restartPolicy: Always
            command: ["sleep", "3600"]
          containers:
          - name: trigger
            image: busybox
            command: ["sleep", "3600"]
            restartPolicy: Never
            restartPolicyRules:
            - action: RestartAllContainers
              exitCodes: {operator: In, values: [138]}
          - name: worker
            image: busybox
            command: ["sleep", "3600"]
        """;

    public static readonly string[] RestartAllRunning = ["sidecar", "trigger", "worker"];

    /// <summary>3 regular containers; <c>c0</c> restarts all in place (the scale pods).</summary>
    public const string Scale = """
        apiVersion: v1
        kind: Pod
        metadata: {name: scale}
        spec:
          restartPolicy: Never
          containers:
          - name: c0
            image: busybox
            command: ["sleep", "3600"]
            restartPolicy: Never
            restartPolicyRules:
            - action: RestartAllContainers
              exitCodes: {operator: In, values: [138]}
          - name: c1
            image: busybox
            command: ["sleep", "3600"]
          - name: c2
            image: busybox
            command: ["sleep", "3600"]
        """;

    public static readonly string[] ScaleRunning = ["c0", "c1", "c2"];
}
