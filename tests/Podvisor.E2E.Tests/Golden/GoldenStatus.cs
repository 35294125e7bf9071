using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Compares a pod's <c>status</c> JSON, as the API served it, with an expected document written for one v1.36 capture
/// (murat-akpinar/k8rs tests/fixtures). Every object must have exactly the expected keys, arrays the expected length,
/// scalars the expected value, except for these markers:
/// <list type="bullet">
/// <item><c>"&lt;time&gt;"</c>: an RFC 3339 UTC time in seconds, as metav1.Time prints;</item>
/// <item><c>"&lt;ip&gt;"</c>: an IP address;</item>
/// <item><c>"&lt;kube-api-access&gt;"</c>: the name of the ServiceAccount admission's token volume;</item>
/// <item><c>"&lt;id:L&gt;"</c>: a non-empty container ID, the same one wherever L is the same, another one for another L;</item>
/// <item><c>"&lt;uid&gt;"</c> inside a string: the pod's UID;</item>
/// <item><c>null</c>: null or absent (see <see cref="NullMeansAbsent"/>).</item>
/// </list>
/// </summary>
internal static class GoldenStatus
{
    /// <summary>
    /// Go prints unset metav1.Time fields (<c>lastProbeTime</c>, the synthesised <c>startedAt</c>/<c>finishedAt</c>) as
    /// <c>null</c>; the API layer serialises with KubernetesClient, which omits them. Clients read both as unset.
    /// </summary>
    public const string NullMeansAbsent = "an explicit null equals an absent field";

    /// <summary>
    /// The deliberate exceptions: container-status fields that cannot match on the process runtime, each with the
    /// reason. <c>image</c> and <c>imageID</c> must be present (their value is not compared); <c>containerID</c> is
    /// compared as <c>&lt;id:L&gt;</c>; <c>user</c> is left out of the expected documents (the field is absent).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Exceptions = new Dictionary<string, string>
    {
        ["image"] = "no image store: the spec's image (busybox), not the resolved docker.io/library/busybox:latest",
        ["imageID"] = "no image digest: always \"\"",
        ["containerID"] = "the process runtime's own ID scheme, not containerd://<64 hex>",
        ["user"] = "the process runtime reports no user.linux (uid, gid, supplementalGroups)",
    };

    private static readonly HashSet<string> PresenceOnly = ["image", "imageID"];

    public static void Assert(JsonObject pod, string expected)
    {
        var uid = (string)pod["metadata"]!["uid"]!;
        var problems = new List<string>();
        var ids = new Dictionary<string, string>();
        Compare(JsonNode.Parse(expected.Replace("<uid>", uid, StringComparison.Ordinal)), pod["status"], "status", problems, ids);
        if (ids.Values.Distinct().Count() != ids.Count)
        {
            problems.Add($"container IDs with different labels are equal: {string.Join(", ", ids.Select(p => $"{p.Key}={p.Value}"))}");
        }

        Xunit.Assert.True(problems.Count == 0, $"status differs from the v1.36 shape:\n  {string.Join("\n  ", problems)}\nactual:\n{pod["status"]}");
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> problems, Dictionary<string, string> ids)
    {
        switch (expected)
        {
            case null when actual is not null:
                problems.Add($"{path}: expected null or absent, got {actual.ToJsonString()}");
                return;
            case null:
                return;
            case JsonObject e when actual is JsonObject a:
                CompareObjects(e, a, path, problems, ids);
                return;
            case JsonArray e when actual is JsonArray a:
                if (e.Count != a.Count)
                {
                    problems.Add($"{path}: expected {e.Count} items, got {a.Count}: {a.ToJsonString()}");
                    return;
                }

                for (var i = 0; i < e.Count; i++)
                {
                    Compare(e[i], a[i], $"{path}[{i}]", problems, ids);
                }

                return;
            case JsonValue e when actual is JsonValue a:
                CompareValues(e, a, path, problems, ids);
                return;
            default:
                problems.Add($"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString() ?? "nothing"}");
                return;
        }
    }

    private static void CompareObjects(JsonObject e, JsonObject a, string path, List<string> problems, Dictionary<string, string> ids)
    {
        foreach (var (key, value) in e)
        {
            var at = $"{path}.{key}";
            if (!a.ContainsKey(key) && value is not null)
            {
                problems.Add($"{at}: missing (expected {value.ToJsonString()})");
            }
            else if (!PresenceOnly.Contains(key))
            {
                Compare(value, a[key], at, problems, ids);
            }
        }

        foreach (var (key, value) in a.Where(p => !e.ContainsKey(p.Key)))
        {
            problems.Add($"{path}.{key}: unexpected {value?.ToJsonString()}");
        }
    }

    private static void CompareValues(JsonValue e, JsonValue a, string path, List<string> problems, Dictionary<string, string> ids)
    {
        var marker = e.GetValueKind() == JsonValueKind.String ? (string)e! : null;
        var text = a.GetValueKind() == JsonValueKind.String ? (string)a! : null;
        var ok = marker switch
        {
            "<time>" => text is not null && DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
            "<ip>" => text is not null && IPAddress.TryParse(text, out _),
            "<kube-api-access>" => text is not null && System.Text.RegularExpressions.Regex.IsMatch(text, "^kube-api-access-[a-z0-9]{5}$"),
            _ when marker?.StartsWith("<id:", StringComparison.Ordinal) == true => !string.IsNullOrEmpty(text) && SameId(ids, marker, text),
            _ => JsonNode.DeepEquals(e, a),
        };
        if (!ok)
        {
            problems.Add($"{path}: expected {e.ToJsonString()}, got {a.ToJsonString()}");
        }
    }

    private static bool SameId(Dictionary<string, string> ids, string label, string id) =>
        ids.TryAdd(label, id) || ids[label] == id;
}
