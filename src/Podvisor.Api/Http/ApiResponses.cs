using System.Globalization;
using System.Text;
using k8s;
using Podvisor.Api.Printing;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Http;

/// <summary>Writes API responses: objects, lists and tables as JSON, failures as metav1.Status.</summary>
internal static class ApiResponses
{
    public const string JsonContentType = "application/json";

    public static Task WriteBytes(HttpContext ctx, int code, byte[] json)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = JsonContentType;
        ctx.Response.ContentLength = json.Length;
        return ctx.Response.Body.WriteAsync(json, ctx.RequestAborted).AsTask();
    }

    public static Task WriteObject(HttpContext ctx, int code, object obj) =>
        WriteBytes(ctx, code, Encoding.UTF8.GetBytes(KubernetesJson.Serialize(obj)));

    public static Task WriteError(HttpContext ctx, ApiError error) => WriteBytes(ctx, error.Code, error.ToStatusJson());

    /// <summary>One stored object, as itself or as a one-row Table.</summary>
    public static Task WriteStored(HttpContext ctx, int code, StoredObject obj, DateTimeOffset now)
    {
        var format = OutputFormat.From(ctx.Request);
        var bytes = format.IsTable ? TableWriter.Write(obj.Kind, [obj], format, new ListMeta(obj.ResourceVersion), now, ResourceView.Core.Json) : obj.Json;
        return WriteBytes(ctx, code, bytes);
    }

    /// <summary>A list (PodList ...) assembled from the stored objects' cached JSON.</summary>
    public static byte[] ListJson(ResourceKind kind, IReadOnlyList<StoredObject> objects, ListMeta meta, ResourceView view)
    {
        var items = objects.Select(view.Json).ToArray();
        var header = Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"kind\":\"{kind.ListKind}\",\"apiVersion\":\"{view.ApiVersion}\",\"metadata\":{ListMetaJson(meta)},\"items\":["));
        var length = header.Length + 2 + items.Sum(i => i.Length + 1);
        var result = new byte[length];
        header.CopyTo(result, 0);
        var at = header.Length;
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0)
            {
                result[at++] = (byte)',';
            }

            items[i].CopyTo(result, at);
            at += items[i].Length;
        }

        result[at++] = (byte)']';
        result[at++] = (byte)'}';
        return result.AsSpan(0, at).ToArray();
    }

    /// <summary>metav1.ListMeta as JSON (continue values are base64url: nothing to escape).</summary>
    public static string ListMetaJson(ListMeta meta) => string.Create(
        CultureInfo.InvariantCulture,
        $"{{\"resourceVersion\":\"{meta.ResourceVersion}\"{(meta.Continue is { } c ? $",\"continue\":\"{c}\"" : "")}{(meta.RemainingItemCount is { } n ? $",\"remainingItemCount\":{n}" : "")}}}");
}
