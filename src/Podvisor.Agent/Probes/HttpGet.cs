using Podvisor.Core;
using Podvisor.Core.Model;
using System.Globalization;
using k8s.Models;

namespace Podvisor.Agent.Probes;

/// <summary>A GET request built from an httpGet handler, with the URL text exactly as Go prints it.</summary>
internal sealed record HttpGetTarget(Uri Url, string UrlText, IReadOnlyList<KeyValuePair<string, string>> Headers, string? HostHeader);

/// <summary>Mirrors pkg/probe/http/request.go NewRequestForHTTPGetAction (shared by probes and lifecycle hooks).</summary>
internal static class HttpGetRequests
{
    /// <summary>Builds the request; returns the resolution error text (e.g. a port name not found) otherwise.</summary>
    /// <param name="purpose"><c>probe</c> or <c>lifecycle</c>: the User-Agent is <c>kube-PURPOSE/1.36</c>.</param>
    public static HttpGetTarget? TryCreate(V1HTTPGetAction action, V1Container container, string podHost, string purpose, out string? error)
    {
        if (!ContainerPorts.TryResolve(action.Port, container, out var port, out error))
        {
            return null;
        }

        var scheme = string.IsNullOrEmpty(action.Scheme) ? "http" : action.Scheme.ToLowerInvariant();
        var host = string.IsNullOrEmpty(action.Host) ? podHost : action.Host;
        var path = action.Path ?? "";
        if (path.Length > 0 && path[0] != '/')
        {
            path = "/" + path;
        }

        var text = $"{scheme}://{GoText.JoinHostPort(host, port)}{path}";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            error = $"parse {GoFormat.Quote(text)}: invalid URL";
            return null;
        }

        var headers = DefaultHeaders(action.HttpHeaders ?? [], purpose);
        var hostHeader = headers.FirstOrDefault(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;
        return new HttpGetTarget(url, text, headers.Where(h => !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).ToList(),
            string.IsNullOrEmpty(hostHeader) ? null : hostHeader);
    }

    /// <summary>
    /// Mirrors newProbeRequest: user headers in order (Go canonical names), then a User-Agent and <c>Accept: */*</c>
    /// unless given; an Accept given with an empty value is removed.
    /// </summary>
    private static List<KeyValuePair<string, string>> DefaultHeaders(IList<V1HTTPHeader> given, string purpose)
    {
        var headers = given.Select(h => KeyValuePair.Create(CanonicalName(h.Name ?? ""), h.Value ?? "")).ToList();
        if (!headers.Any(h => h.Key == "User-Agent"))
        {
            headers.Add(KeyValuePair.Create("User-Agent", $"kube-{purpose}/{KubernetesRelease.Minor}"));
        }

        var accept = headers.FindIndex(h => h.Key == "Accept");
        if (accept < 0)
        {
            headers.Add(KeyValuePair.Create("Accept", "*/*"));
        }
        else if (headers[accept].Value.Length == 0)
        {
            headers.RemoveAll(h => h.Key == "Accept");
        }

        return headers;
    }

    /// <summary>Mirrors textproto.CanonicalMIMEHeaderKey: <c>x-custom-header</c> becomes <c>X-Custom-Header</c>.</summary>
    private static string CanonicalName(string name)
    {
        var chars = name.ToCharArray();
        var upper = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            upper = chars[i] == '-';
        }

        return new string(chars);
    }
}

/// <summary>Port references of httpGet and tcpSocket handlers.</summary>
internal static class ContainerPorts
{
    /// <summary>
    /// Mirrors probe.ResolveContainerPort: a port name from the container's ports, else a number (Go's strconv.Atoi
    /// error text when it is neither), and the result must be 1-65535.
    /// </summary>
    public static bool TryResolve(IntOrString? reference, V1Container container, out int port, out string? error)
    {
        var value = reference?.Value ?? "";
        var named = container.Ports?.FirstOrDefault(p => p.Name == value && !string.IsNullOrEmpty(value));
        error = null;
        if (named is not null)
        {
            port = named.ContainerPort;
        }
        else if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out port))
        {
            var digits = value.Length > 1 && value[0] is '-' or '+' ? value[1..] : value;
            var reason = digits.Length > 0 && digits.All(char.IsAsciiDigit) ? "value out of range" : "invalid syntax";
            error = $"strconv.Atoi: parsing {GoFormat.Quote(value)}: {reason}";
            return false;
        }

        if (port is > 0 and < 65536)
        {
            return true;
        }

        error = $"invalid port number: {port}";
        return false;
    }
}
