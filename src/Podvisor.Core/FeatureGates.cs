namespace Podvisor.Core;

/// <summary>
/// The feature gates Podvisor honours (docs/lifecycle.md D1): both restart gates are on by default, as in v1.36;
/// turning RestartAllContainersOnContainerExits off gives a stock v1.36 kubelet + apiserver with that gate off.
/// </summary>
public sealed record FeatureGates(bool ContainerRestartRules = true, bool RestartAllContainersOnContainerExits = true)
{
    public static FeatureGates Default { get; } = new();

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
