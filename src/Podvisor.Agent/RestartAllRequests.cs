using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent;

/// <summary>A new restart-all request value and why it cannot start a cycle (null: it starts one).</summary>
internal sealed record RestartAllRequestDecision(string Value, string? Refusal);

/// <summary>
/// One pod's manual restart-all bookkeeping (docs/lifecycle.md §D14, docs/restart-all-request.md): the annotation value handled last,
/// recorded in <c>DATA/agent/restart-all-requests/UID</c> so that a restarted agent neither repeats a cycle nor misses
/// a value set while it was down. The value a pod has when the agent first sees it is the baseline, not a request.
/// </summary>
internal sealed class RestartAllRequests(string dataDir, string uid)
{
    private readonly string _path = Path.Combine(dataDir, "agent", "restart-all-requests", uid);
    private bool _loaded;
    private string _handled = "";

    /// <summary>The pod's request if its value is new (and now recorded as handled); null otherwise.</summary>
    public RestartAllRequestDecision? Observe(V1Pod pod, V1PodStatus? status, FeatureGates gates)
    {
        var value = RestartAllRequest.Value(pod) ?? "";
        if (!_loaded)
        {
            _loaded = true;
            if (!File.Exists(_path))
            {
                Record(value);
                return null;
            }

            _handled = File.ReadAllText(_path);
        }

        if (value == _handled)
        {
            return null;
        }

        Record(value);
        return value.Length == 0 ? null : new RestartAllRequestDecision(value, RestartAllRequest.Refusal(pod, status, gates));
    }

    /// <summary>Removes the record of a deleted pod.</summary>
    public void Forget()
    {
        if (File.Exists(_path))
        {
            File.Delete(_path);
        }
    }

    private void Record(string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, value);
        File.Move(temporary, _path, overwrite: true);
        _handled = value;
    }
}
