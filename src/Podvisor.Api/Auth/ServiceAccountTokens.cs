using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Podvisor.Api.Store;
using Podvisor.Core;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Auth;

/// <summary>
/// Bound ServiceAccount tokens as kube-apiserver issues them for a TokenRequest (pkg/serviceaccount/claims.go): an
/// ES256 JWT with the issuer, audiences, <c>sub</c> <c>system:serviceaccount:NS:NAME</c> and the private
/// <c>kubernetes.io</c> claim naming the namespace, service account, pod and node. The signing key is
/// <c>DATA/service-account.key</c> (0600), made on first start. A token is accepted while it is unexpired, carries
/// the API's audience, and the service account and pod it is bound to still exist with the same UIDs
/// (docs/contracts.md §2, "ServiceAccounts").
/// </summary>
internal sealed class ServiceAccountTokens : IServiceAccountTokens, IDisposable
{
    /// <summary>The API's issuer and default audience, as a cluster's default <c>--service-account-issuer</c>.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private readonly ApiContext _api;
    private readonly ECDsa _key;
    private readonly string _keyId;

    public ServiceAccountTokens(ApiContext api)
    {
        _api = api;
        _key = LoadOrCreateKey(Path.Combine(api.DataDir, "service-account.key"));
        _keyId = Base64Url(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The kubelet's TokenRequest for a pod's projected token (the kubelet's token manager calls this).</summary>
    public ServiceAccountToken Request(V1Pod pod, string? audience, long expirationSeconds)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var name = string.IsNullOrEmpty(pod.Spec.ServiceAccountName) ? "default" : pod.Spec.ServiceAccountName;
        if (_api.Store.Get(ResourceKind.ServiceAccounts, ns, name)?.Object is not V1ServiceAccount account)
        {
            throw new ServiceAccountTokenException($"serviceaccounts \"{name}\" not found");
        }

        return Issue(account, pod, string.IsNullOrEmpty(audience) ? [Issuer] : [audience], expirationSeconds);
    }

    /// <summary>A token for <paramref name="account"/>, bound to <paramref name="pod"/> when given.</summary>
    public ServiceAccountToken Issue(V1ServiceAccount account, V1Pod? pod, IReadOnlyList<string> audiences, long expirationSeconds)
    {
        var now = _api.NowTruncated;
        var expires = now.AddSeconds(expirationSeconds);
        var binding = new JsonObject
        {
            ["namespace"] = account.Metadata.NamespaceProperty,
            ["serviceaccount"] = new JsonObject { ["name"] = account.Metadata.Name, ["uid"] = account.Metadata.Uid },
        };
        if (pod is not null)
        {
            binding["node"] = new JsonObject { ["name"] = _api.NodeName };
            binding["pod"] = new JsonObject { ["name"] = pod.Metadata.Name, ["uid"] = pod.Metadata.Uid };
        }

        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => JsonValue.Create(a))]),
            ["exp"] = Seconds(expires),
            ["iat"] = Seconds(now),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = binding,
            ["nbf"] = Seconds(now),
            ["sub"] = $"system:serviceaccount:{account.Metadata.NamespaceProperty}:{account.Metadata.Name}",
        };
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = _keyId };
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256);
        return new ServiceAccountToken(signed + "." + Base64Url(signature), now, expires);
    }

    /// <summary>
    /// The service account a presented token authenticates, or null when it is not a valid token of this API
    /// (bad signature, expired, other audience, or its service account or pod is gone).
    /// </summary>
    public ServiceAccountUser? Authenticate(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || !TryDecode(parts[2], out var signature)
            || !_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256)
            || !TryDecode(parts[1], out var payload))
        {
            return null;
        }

        try
        {
            var claims = JsonNode.Parse(payload)!.AsObject();
            var now = Seconds(_api.Now.UtcDateTime);
            var binding = claims["kubernetes.io"]!.AsObject();
            var ns = (string)binding["namespace"]!;
            var account = binding["serviceaccount"]!.AsObject();
            var audiences = claims["aud"]!.AsArray().Select(a => (string?)a);
            if ((string?)claims["iss"] != Issuer || (long)claims["exp"]! <= now || (long)claims["nbf"]! > now + 60 || !audiences.Contains(Issuer)
                || _api.Store.Get(ResourceKind.ServiceAccounts, ns, (string)account["name"]!)?.Metadata.Uid != (string?)account["uid"])
            {
                return null;
            }

            if (binding["pod"] is JsonObject pod && _api.Store.Get(ResourceKind.Pods, ns, (string)pod["name"]!)?.Metadata.Uid != (string?)pod["uid"])
            {
                return null;
            }

            return new ServiceAccountUser(ns, (string)account["name"]!);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            return null;
        }
    }

    public void Dispose() => _key.Dispose();

    private static ECDsa LoadOrCreateKey(string path)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }

        PrivateFile.WriteAtomically(path, Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"));
        return key;
    }

    private static long Seconds(DateTime time) => new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeSeconds();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}

/// <summary>A request authenticated by a ServiceAccount token: user <c>system:serviceaccount:NS:NAME</c>.</summary>
internal sealed record ServiceAccountUser(string Namespace, string Name)
{
    public string UserName => $"system:serviceaccount:{Namespace}:{Name}";

    public IReadOnlyList<string> Groups => ["system:serviceaccounts", $"system:serviceaccounts:{Namespace}", "system:authenticated"];
}
