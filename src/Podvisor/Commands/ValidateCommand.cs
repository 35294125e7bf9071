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
            var (manifest, error) = ManifestLoader.Load(path, CommonOptions.Gates(parse, gates));
            if (manifest is null)
            {
                Console.Error.WriteLine(error);
                return 2;
            }

            foreach (var pod in manifest.Pods)
            {
                Console.Out.WriteLine($"pod/{pod.Metadata.Name} valid");
            }

            foreach (var name in manifest.ConfigMaps.Select(c => "configmap/" + c.Metadata.Name).Concat(manifest.Secrets.Select(s => "secret/" + s.Metadata.Name)))
            {
                Console.Out.WriteLine($"{name} valid");
            }

            return 0;
        });
        return command;
    }
}
