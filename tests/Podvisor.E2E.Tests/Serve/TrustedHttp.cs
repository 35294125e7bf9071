using k8s;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>An HttpClient for the API that trusts exactly the serving certificate its kubeconfig names (TLS with a token).</summary>
internal static class TrustedHttp
{
    public static HttpClient Client(string kubeconfig)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        var trusted = config.SslCaCerts.Single().Thumbprint;
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == trusted };
        return new HttpClient(handler) { BaseAddress = new Uri(config.Host) };
    }
}
