using System.Text;
using k8s.Models;

namespace Podvisor.Agent.Probes;

/// <summary>
/// Mirrors kubecontainer.ExpandContainerCommandOnlyStatic and third_party/forked/golang/expansion: <c>$(VAR)</c> is
/// replaced by the container's env value (only literal <c>value</c>s; a <c>valueFrom</c> entry reads as empty; later
/// entries win), an unknown <c>$(VAR)</c> stays as written, <c>$$</c> is a literal <c>$</c>.
/// </summary>
internal static class CommandExpansion
{
    public static IReadOnlyList<string> ExpandStatic(IList<string>? command, IList<V1EnvVar>? env)
    {
        var values = new Dictionary<string, string>();
        foreach (var variable in env ?? [])
        {
            values[variable.Name ?? ""] = variable.Value ?? "";
        }

        return (command ?? []).Select(arg => Expand(arg, values)).ToList();
    }

    public static string Expand(string input, IReadOnlyDictionary<string, string> values)
    {
        var sb = new StringBuilder(input.Length);
        var checkpoint = 0;
        for (var cursor = 0; cursor < input.Length; cursor++)
        {
            if (input[cursor] != '$' || cursor + 1 >= input.Length)
            {
                continue;
            }

            sb.Append(input, checkpoint, cursor - checkpoint);
            var (read, isVariable, advance) = ReadVariableName(input.AsSpan(cursor + 1));
            sb.Append(!isVariable ? read : values.TryGetValue(read, out var value) ? value : $"$({read})");
            cursor += advance;
            checkpoint = cursor + 1;
        }

        return sb.Append(input, checkpoint, input.Length - checkpoint).ToString();
    }

    private static (string Read, bool IsVariable, int Advance) ReadVariableName(ReadOnlySpan<char> input)
    {
        switch (input[0])
        {
            case '$':
                return ("$", false, 1);
            case '(':
                var close = input.IndexOf(')');
                return close > 0 ? (input[1..close].ToString(), true, close + 1) : ("$(", false, 1);
            default:
                return ("$" + input[0], false, 1);
        }
    }
}
