using System.Text;

namespace Podvisor.Api;

/// <summary>Writes <c>DATA/kubeconfig</c>: cluster, user and context all named <c>podvisor</c>, the context current.</summary>
internal static class Kubeconfig
{
    /// <param name="certificateAuthorityPem">The serving certificate when serving TLS (kubectl then trusts it), else null.</param>
    public static void Write(string path, string serverUrl, string? token, string? certificateAuthorityPem)
    {
        // Without a token the context names no user at all: KubernetesClient rejects a user entry without credentials.
        var users = token is null ? "users: []\n" : $"users:\n- name: podvisor\n  user:\n    token: {Quote(token)}\n";
        var contextUser = token is null ? "" : "    user: podvisor\n";
        var text = new StringBuilder()
            .Append("apiVersion: v1\nkind: Config\n")
            .Append("clusters:\n- name: podvisor\n  cluster:\n    server: ").Append(Quote(serverUrl)).Append('\n')
            .Append(certificateAuthorityPem is null ? "" : $"    certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(certificateAuthorityPem))}\n")
            .Append(users)
            .Append("contexts:\n- name: podvisor\n  context:\n    cluster: podvisor\n").Append(contextUser).Append("    namespace: default\n")
            .Append("current-context: podvisor\npreferences: {}\n")
            .ToString();
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A YAML single-quoted scalar.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
