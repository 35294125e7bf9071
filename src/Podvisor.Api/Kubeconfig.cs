using System.Text;

namespace Podvisor.Api;

/// <summary>Writes <c>DATA/kubeconfig</c>: cluster, user and context all named <c>podvisor</c>, the context current.
/// The token makes it a secret: it is written 0600 from the first byte.</summary>
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
        var bytes = Encoding.UTF8.GetBytes(text);
        Store.PrivateFile.Touch(path);
        if (File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            return; // unchanged: a restart on a full disk need not write
        }

        Store.PrivateFile.WriteAtomically(path, bytes);
    }

    /// <summary>A YAML single-quoted scalar.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
