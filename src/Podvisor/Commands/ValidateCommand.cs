using System.CommandLine;

namespace Podvisor.Commands;

/// <summary><c>podvisor validate FILE</c>: exit 0, or 2 with the kube-apiserver message (docs/contracts.md §1).</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Pod manifest (YAML or JSON; - for stdin)." };
        var gates = CommonOptions.FeatureGates();
        var command = new Command("validate", "Validate pod manifests as kube-apiserver would, without running them.") { file, gates };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var (pods, error) = ManifestLoader.Load(path, CommonOptions.Gates(parse, gates));
            if (error is not null)
            {
                Console.Error.WriteLine(error);
                return 2;
            }

            foreach (var pod in pods)
            {
                Console.Out.WriteLine($"pod/{pod.Metadata.Name} valid");
            }

            return 0;
        });
        return command;
    }
}
