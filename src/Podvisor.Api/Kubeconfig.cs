using System.Text;
using Podvisor.Core;

namespace Podvisor.Api;

/// <summary>Writes <c>DATA/kubeconfig</c>: cluster, user and context all named <c>podvisor</c>, the context current.
/// The token makes it a secret: it is written 0600 from the first byte.</summary>
internal static class Kubeconfig
{
    /// <param name="certificateAuthorityPem">The serving certificate (clients trust it as the cluster's CA).</param>
    public static void Write(string path, string serverUrl, string? token, string certificateAuthorityPem, DateTimeOffset now)
    {
        var credential = token is not null
            ? $"    token: {Quote(token)}\n"
            : ClientCertificate(Http.ServingCertificate.ClientIdentity(now));
        var users = $"users:\n- name: podvisor\n  user:\n{credential}";
        const string contextUser = "    user: podvisor\n";
        var text = new StringBuilder()
            .Append("apiVersion: v1\nkind: Config\n")
            .Append("clusters:\n- name: podvisor\n  cluster:\n    server: ").Append(Quote(serverUrl)).Append('\n')
            .Append($"    certificate-authority-data: {Base64(certificateAuthorityPem)}\n")
            .Append(users)
            .Append("contexts:\n- name: podvisor\n  context:\n    cluster: podvisor\n").Append(contextUser).Append("    namespace: default\n")
            .Append("current-context: podvisor\npreferences: {}\n")
            .ToString();
        var bytes = Encoding.UTF8.GetBytes(text);
        PrivateFile.Touch(path);
        if (File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            return; // unchanged: a restart on a full disk need not write
        }

        PrivateFile.WriteAtomically(path, bytes);
    }

    private static string ClientCertificate((string CertificatePem, string KeyPem) identity) =>
        $"    client-certificate-data: {Base64(identity.CertificatePem)}\n    client-key-data: {Base64(identity.KeyPem)}\n";

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A YAML single-quoted scalar.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
