using k8s.Models;

namespace Podvisor.Node.Abstractions;

/// <summary>A token from a TokenRequest: the JWT, when it was issued and when it expires.</summary>
public sealed record ServiceAccountToken(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>A TokenRequest failed; the message is the apiserver's error.</summary>
public sealed class ServiceAccountTokenException(string message) : Exception(message);

/// <summary>
/// The API's TokenRequest for a pod's service account (<c>POST .../serviceaccounts/NAME/token</c> bound to the pod),
/// which the kubelet calls for projected <c>serviceAccountToken</c> sources. Must be thread-safe and not block.
/// </summary>
public interface IServiceAccountTokens
{
    /// <exception cref="ServiceAccountTokenException">The service account does not exist.</exception>
    ServiceAccountToken Request(V1Pod pod, string? audience, long expirationSeconds);
}

/// <summary>Where the ServiceAccount admission plugin mounts a pod's API credentials (the API adds the mount, the agent serves it).</summary>
public static class ServiceAccountCredentials
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
}
