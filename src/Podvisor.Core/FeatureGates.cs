namespace Podvisor.Core;

/// <summary>
/// The feature gates Podvisor honours. Spec §D1: both restart gates are on by default;
/// turning RestartAllContainersOnContainerExits off gives a stock 1.35 kubelet + apiserver.
/// </summary>
public sealed record FeatureGates(bool ContainerRestartRules = true, bool RestartAllContainersOnContainerExits = true)
{
    public static FeatureGates Default { get; } = new();

    /// <summary>Upstream v1.35 defaults (RestartAllContainersOnContainerExits=false).</summary>
    public static FeatureGates Upstream135 { get; } = new(RestartAllContainersOnContainerExits: false);

    public static readonly IReadOnlyList<string> Known = ["ContainerRestartRules", "RestartAllContainersOnContainerExits"];

    /// <summary>Parses the kubelet's <c>--feature-gates</c> syntax: <c>Name=true|false,...</c>.</summary>
    public static bool TryParse(string? text, out FeatureGates gates, out string? error)
    {
        gates = Default;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !bool.TryParse(kv[1], out var on))
            {
                error = $"missing bool value for {kv[0]}";
                return false;
            }

            switch (kv[0])
            {
                case "ContainerRestartRules": gates = gates with { ContainerRestartRules = on }; break;
                case "RestartAllContainersOnContainerExits": gates = gates with { RestartAllContainersOnContainerExits = on }; break;
                default: error = $"unrecognized feature gate: {kv[0]}"; return false;
            }
        }

        return true;
    }

    public override string ToString() =>
        $"ContainerRestartRules={ContainerRestartRules},RestartAllContainersOnContainerExits={RestartAllContainersOnContainerExits}";
}
