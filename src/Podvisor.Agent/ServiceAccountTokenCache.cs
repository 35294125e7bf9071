using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent;

/// <summary>
/// The kubelet's token manager (pkg/kubelet/token/token_manager.go): one cached token per pod, service account,
/// audience and expiration, requested again once it is older than 80 % of its lifetime or than 24 hours. Without an
/// API (<c>podvisor run</c>) every request fails as the kubelet's does without a TokenRequest endpoint.
/// </summary>
internal sealed class ServiceAccountTokenCache(IServiceAccountTokens? tokens, TimeProvider time)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<(string Uid, string Account, string Audience, long Seconds), ServiceAccountToken> _tokens = new();

    /// <summary>The pod's token for the source; throws <see cref="ServiceAccountTokenException"/> with the kubelet's message.</summary>
    public string Get(V1Pod pod, V1ServiceAccountTokenProjection source)
    {
        var seconds = source.ExpirationSeconds ?? 3600;
        var key = (pod.Metadata.Uid, pod.Spec.ServiceAccountName ?? "", source.Audience ?? "", seconds);
        if (_tokens.TryGetValue(key, out var cached) && !RequiresRefresh(cached))
        {
            return cached.Token;
        }

        if (tokens is null)
        {
            throw new ServiceAccountTokenException("failed to fetch token: no API server issues service account tokens to this agent (podvisor run)");
        }

        try
        {
            var fresh = tokens.Request(pod, source.Audience, seconds);
            _tokens[key] = fresh;
            return fresh.Token;
        }
        catch (ServiceAccountTokenException e)
        {
            throw new ServiceAccountTokenException($"failed to fetch token: {e.Message}");
        }
    }

    /// <summary>Forgets the pod's tokens (the kubelet's DeleteServiceAccountToken when a pod is removed).</summary>
    public void Forget(string uid)
    {
        foreach (var key in _tokens.Keys.Where(k => k.Uid == uid))
        {
            _tokens.TryRemove(key, out _);
        }
    }

    private bool RequiresRefresh(ServiceAccountToken token)
    {
        var now = time.GetUtcNow();
        var lifetime = token.ExpiresAt - token.IssuedAt;
        return now >= token.IssuedAt + (lifetime * 0.8) || now - token.IssuedAt >= MaxAge;
    }
}
