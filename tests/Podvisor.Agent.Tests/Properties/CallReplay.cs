using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Properties;

/// <summary>
/// Replays the fake runtime's call log and checks the start-order invariants (docs/lifecycle.md §5.2, §13): regular init containers run
/// one at a time and in spec order, each after every earlier regular init container completed and every earlier
/// sidecar started, and no regular container starts before initialization. A cycle (the pod's initial state) begins
/// whenever the pod has no container instance left: at the start and after each restart-all cleanup.
/// </summary>
internal sealed class CallReplay(V1PodSpec spec)
{
    private readonly HashSet<string> _running = [];
    private readonly HashSet<string> _completedInit = [];
    private readonly HashSet<string> _startedSidecars = [];
    private readonly IList<V1Container> _init = spec.InitContainersOrEmpty();
    private int _instances;
    private int _seen;

    public void Replay(IReadOnlyList<string> calls)
    {
        for (; _seen < calls.Count; _seen++)
        {
            var parts = calls[_seen].Split(' ');
            switch (parts[0])
            {
                case "Create":
                    _instances++;
                    break;
                case "Remove" when --_instances == 0:
                    _completedInit.Clear();
                    _startedSidecars.Clear();
                    break;
                case "Start":
                    Started(parts[1], calls);
                    break;
                case "Exited":
                    _running.Remove(parts[1]);
                    if (parts[2] == "0" && _init.Any(c => c.Name == parts[1] && !c.IsSidecar()))
                    {
                        _completedInit.Add(parts[1]);
                    }

                    break;
            }
        }
    }

    private void Started(string name, IReadOnlyList<string> calls)
    {
        var index = _init.ToList().FindIndex(c => c.Name == name);
        var where = $"at call {_seen} ({string.Join(", ", calls.Take(_seen + 1).TakeLast(12))})";
        if (index < 0)
        {
            Assert.True(Initialized(_init.Count), $"regular container {name} started before initialization {where}");
        }
        else if (!_init[index].IsSidecar())
        {
            Assert.True(Initialized(index), $"init container {name} started out of order {where}");
            Assert.False(_init.Any(c => !c.IsSidecar() && _running.Contains(c.Name)), $"init container {name} started while another runs {where}");
            Assert.DoesNotContain(name, _completedInit);
        }
        else
        {
            Assert.True(_startedSidecars.Contains(name) || Initialized(index), $"sidecar {name} started out of order {where}");
            _startedSidecars.Add(name);
        }

        _running.Add(name);
    }

    /// <summary>Every init container before <paramref name="count"/> is done: regular ones completed, sidecars started.</summary>
    private bool Initialized(int count) =>
        _init.Take(count).All(c => c.IsSidecar() ? _startedSidecars.Contains(c.Name) : _completedInit.Contains(c.Name));
}
