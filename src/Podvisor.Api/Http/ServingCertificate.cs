using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Podvisor.Core;

namespace Podvisor.Api.Http;

/// <summary>
/// The self-signed TLS certificate the API always serves with; the kubeconfig names it as the cluster's CA, so every
/// client verifies the server without insecure flags (the Node.js client refuses plain HTTP without skipTLSVerify,
/// and kubectl sends credentials only over TLS: client-go clientcmd DirectClientConfig.ClientConfig).
/// Shaped like Go's httptest certificate (self-signed, CA, server auth); kept in <c>DATA/serving-cert.pfx</c> so a copied
/// kubeconfig survives restarts, and made again when it is missing, expires within 30 days, or does not name the
/// address served on.
/// </summary>
internal static class ServingCertificate
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public static X509Certificate2 LoadOrCreate(string dataDir, IReadOnlyList<IPAddress> served, DateTimeOffset now)
    {
        var path = Path.Combine(dataDir, "serving-cert.pfx");
        if (File.Exists(path))
        {
            var stored = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (stored.NotAfter > (now + RenewBefore).UtcDateTime && served.All(Names(stored).Contains))
            {
                return stored;
            }

            stored.Dispose();
        }

        var created = Create(SubjectAlternativeNames(served), now);
        PrivateFile.WriteAtomically(path, created.Export(X509ContentType.Pkcs12));
        return created;
    }

    /// <summary>
    /// A client certificate and key (PEM) for the kubeconfig's user when no token is configured: over HTTPS a
    /// kubeconfig user must carry some credential, or kubectl prompts for a username (client-go clientcmd
    /// canIdentifyUser) and KubernetesClient rejects the user. The server does not request client certificates; the
    /// caller stays unauthenticated (SelfSubjectReview says so).
    /// </summary>
    public static (string CertificatePem, string KeyPem) ClientIdentity(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=podvisor", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);
        return (certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>The PEM text of the certificate (kubeconfig <c>certificate-authority-data</c> holds it base64-encoded).</summary>
    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>
    /// Loopback, the host name, <c>kubernetes.default.svc</c> and its kin (what in-cluster clients may dial), the
    /// addresses served on, and for a wildcard address every local unicast address.
    /// </summary>
    private static (List<IPAddress> Addresses, List<string> Hosts) SubjectAlternativeNames(IReadOnlyList<IPAddress> served)
    {
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        if (served.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)))
        {
            addresses.AddRange(Core.Model.HostFacts.ReadInterfaces(interfaces => interfaces
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => !a.IsIPv6LinkLocal)
                .ToList()));
        }

        addresses.AddRange(served);
        return ([.. addresses.Distinct()], ["localhost", Dns.GetHostName(), "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]);
    }

    private static X509Certificate2 Create((List<IPAddress> Addresses, List<string> Hosts) names, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=podvisor", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        names.Addresses.ForEach(san.AddIpAddress);
        names.Hosts.ForEach(san.AddDnsName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var selfSigned = request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), password: null);
    }

    private static HashSet<IPAddress> Names(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateIPAddresses())];
}
