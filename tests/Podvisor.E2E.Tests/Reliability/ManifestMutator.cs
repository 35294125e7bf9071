using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Podvisor.E2E.Tests.Reliability;

internal sealed record FuzzRequest(HttpMethod Method, string Path, string? Body, string? ContentType, string? Accept = null);

/// <summary>
/// Deterministic request generator: a valid pod, then 1–3 mutations (a value replaced by a poison value, a field
/// removed, an unknown field added), sent as JSON or block YAML, as create, update, patch, status write or delete;
/// plus raw garbage, 10,000-deep nesting and hostile log queries. The first requests create the pods the others target.
/// </summary>
internal sealed class ManifestMutator(Random random)
{
    public const int Targets = 5;
    private const string Pods = "/api/v1/namespaces/default/pods";

    private static readonly Func<JsonNode?>[] Poisons =
    [
        () => null, () => 0, () => -1, () => int.MaxValue, () => long.MaxValue, () => long.MinValue, () => 1.5, () => "",
        () => new string('x', 300), () => true, () => new JsonArray(), () => new JsonObject(), () => new JsonArray((JsonNode?)null),
        () => new JsonObject { ["a"] = null }, () => "../../etc/passwd", () => "\u0000\u00e9\ud83d\ude00", () => "2147483648",
        () => Deep(300), () => new JsonArray("a", null, 1), () => "-1", () => "1e400",
    ];

    public FuzzRequest NextRequest(int i)
    {
        if (i < Targets)
        {
            return new FuzzRequest(HttpMethod.Post, Pods, BasePod($"target-{i}").ToJsonString(), "application/json");
        }

        var target = $"target-{random.Next(Targets)}";
        return (i % 10) switch
        {
            0 or 1 or 2 => new FuzzRequest(HttpMethod.Post, Pods, Mutated(BasePod($"fuzz-{i}")).ToJsonString(), "application/json"),
            3 or 4 => new FuzzRequest(HttpMethod.Post, Pods, Yaml(Mutated(BasePod($"fuzz-{i}"))), "application/yaml"),
            5 => new FuzzRequest(HttpMethod.Put, $"{Pods}/{target}", Mutated(BasePod(target)).ToJsonString(), "application/json"),
            6 => Patch(target, ""),
            7 => Patch(target, "/status"),
            8 => new FuzzRequest(HttpMethod.Put, $"{Pods}/{target}/status", Mutated(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = target }, ["status"] = Status() }).ToJsonString(), "application/json"),
            _ => Hostile(i, target),
        };
    }

    private FuzzRequest Patch(string target, string subresource)
    {
        var fragment = Mutated(subresource == "" ? new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["k"] = "v" } }, ["spec"] = BasePod(target)["spec"]!.DeepClone() } : new JsonObject { ["status"] = Status() });
        return random.Next(3) switch
        {
            0 => new FuzzRequest(HttpMethod.Patch, $"{Pods}/{target}{subresource}", fragment.ToJsonString(), "application/merge-patch+json"),
            1 => new FuzzRequest(HttpMethod.Patch, $"{Pods}/{target}{subresource}", fragment.ToJsonString(), "application/strategic-merge-patch+json"),
            _ => new FuzzRequest(HttpMethod.Patch, $"{Pods}/{target}{subresource}", new JsonArray(new JsonObject { ["op"] = Pick("add", "replace", "remove", "move", "test", "bogus"), ["path"] = Pick("/spec/containers/0/image", "/metadata/labels/x", "/status/conditions/-", "/spec/containers/99", "", "/~2"), ["value"] = Poison() }).ToJsonString(), "application/json-patch+json"),
        };
    }

    private FuzzRequest Hostile(int i, string target) => random.Next(7) switch
    {
        0 => new FuzzRequest(HttpMethod.Post, Pods, new string('[', 10_000) + new string(']', 10_000), "application/json"),
        1 => new FuzzRequest(HttpMethod.Post, Pods, "a:\n" + string.Concat(Enumerable.Range(1, 10_000).Select(d => new string(' ', Math.Min(d, 200)) + "- ")), "application/yaml"),
        2 => new FuzzRequest(HttpMethod.Post, Pods, "kind: Pod\n" + string.Concat(Enumerable.Repeat("{a: ", 10_000)), "application/yaml"),
        3 => new FuzzRequest(HttpMethod.Post, Pods, BasePod($"fuzz-{i}").ToJsonString()[..random.Next(1, 200)], "application/json"),
        4 => new FuzzRequest(HttpMethod.Get, $"{Pods}/{target}/log?{Pick("sinceSeconds", "tailLines", "limitBytes", "sinceTime")}={Pick("9223372036854775807", "-9223372036854775808", "-1", "0", "99999999999999999999", "x", "2026-13-45T99:99:99Z")}&container={Pick("main", "nope", "")}", null, null),
        5 => new FuzzRequest(HttpMethod.Delete, $"{Pods}/fuzz-{random.Next(i)}", Mutated(new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["gracePeriodSeconds"] = 0, ["preconditions"] = new JsonObject() }).ToJsonString(), "application/json"),
        _ => new FuzzRequest(HttpMethod.Get, $"{Pods}?watch=false&limit={Pick("-1", "9223372036854775807", "x")}&timeoutSeconds={Pick("-1", "9223372036854775807")}&labelSelector={Uri.EscapeDataString(Pick("a in (", "!!", "a=b,", new string('a', 10_000)))}", null, null),
    };

    private JsonObject Mutated(JsonObject root)
    {
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var slots = new List<(JsonNode Parent, object Key)>();
            Collect(root, slots);
            if (slots.Count == 0)
            {
                break;
            }

            var (parent, key) = slots[random.Next(slots.Count)];
            switch (random.Next(5))
            {
                case 0 when parent is JsonObject obj:
                    obj.Remove((string)key);
                    break;
                case 1 when parent is JsonObject obj:
                    obj["unknown" + random.Next(100)] = Poison();
                    break;
                default:
                    if (parent is JsonObject o)
                    {
                        o[(string)key] = Poison();
                    }
                    else
                    {
                        ((JsonArray)parent)[(int)key] = Poison();
                    }

                    break;
            }
        }

        return root;
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                slots.Add((obj, key));
                if (child is not null)
                {
                    Collect(child, slots);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                slots.Add((array, i));
                if (array[i] is { } child)
                {
                    Collect(child, slots);
                }
            }
        }
    }

    private JsonNode? Poison() => Poisons[random.Next(Poisons.Length)]();

    private string Pick(params string[] choices) => choices[random.Next(choices.Length)];

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonArray();
        for (var d = 0; d < depth; d++)
        {
            node = new JsonArray(node);
        }

        return node;
    }

    private static JsonObject Status() => JsonNode.Parse("""
        {"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"example.com/custom","status":"False"}],
         "containerStatuses":[{"name":"main","ready":true,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}],
         "podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}],"startTime":"2026-01-01T00:00:00Z"}
        """)!.AsObject();

    private static JsonObject BasePod(string name) => JsonNode.Parse("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME","labels":{"app":"fuzz"},"annotations":{"a":"b"}},
         "spec":{"restartPolicy":"Always","terminationGracePeriodSeconds":30,"activeDeadlineSeconds":600,
           "initContainers":[{"name":"init","image":"busybox","command":["true"],"restartPolicy":"Always"}],
           "containers":[{"name":"main","image":"busybox","command":["sleep","3600"],"args":["a"],"workingDir":"/",
             "env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80,"protocol":"TCP"}],
             "livenessProbe":{"exec":{"command":["true"]},"initialDelaySeconds":1,"periodSeconds":10,"timeoutSeconds":1},
             "readinessProbe":{"httpGet":{"path":"/","port":80}},
             "lifecycle":{"preStop":{"sleep":{"seconds":1}}},
             "resources":{"requests":{"cpu":"100m","memory":"64Mi"}},"volumeMounts":[{"name":"v","mountPath":"/v"}]}],
           "volumes":[{"name":"v","emptyDir":{}}]}}
        """.Replace("NAME", name, StringComparison.Ordinal))!.AsObject();

    /// <summary>Block-style YAML (scalars and keys JSON-quoted, which YAML reads as double-quoted scalars).</summary>
    private static string Yaml(JsonNode root)
    {
        var sb = new StringBuilder();
        Emit(root, 0, sb);
        return sb.ToString();
    }

    private static void Emit(JsonNode? node, int indent, StringBuilder sb)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject { Count: > 0 } obj:
                foreach (var (key, child) in obj)
                {
                    sb.Append(pad).Append(JsonValue.Create(key).ToJsonString()).Append(':');
                    EmitChild(child, indent, sb);
                }

                break;
            case JsonArray { Count: > 0 } array:
                foreach (var child in array)
                {
                    sb.Append(pad).Append('-');
                    EmitChild(child, indent, sb);
                }

                break;
            default:
                sb.Append(pad).Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static void EmitChild(JsonNode? child, int indent, StringBuilder sb)
    {
        if (child is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            sb.Append('\n');
            Emit(child, indent + 2, sb);
        }
        else
        {
            sb.Append(' ').Append(Scalar(child)).Append('\n');
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ => node.ToJsonString(),
    };
}
