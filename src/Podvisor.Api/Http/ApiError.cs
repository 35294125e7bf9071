using System.Text.Json;

namespace Podvisor.Api.Http;

/// <summary>One field error of a 422 Invalid (metav1.StatusCause): reason is the field.ErrorType string.</summary>
internal sealed record FieldCause(string Reason, string Message, string Field);

/// <summary>
/// An API failure as a value: becomes a metav1.Status with the right code and reason. Messages mirror
/// apimachinery/pkg/api/errors (NewNotFound, NewAlreadyExists, NewConflict, NewInvalid, NewBadRequest ...).
/// <see cref="Kind"/> holds the resource (upstream StatusDetails.Kind is the qualified resource), <see cref="Group"/> its
/// API group. <c>details</c> is written for errors about a resource (empty fields omitted, as StatusDetails'
/// omitempty): kubectl debug tells a missing subresource from a missing pod by an empty <c>details.name</c> and
/// dereferences <c>details</c> (kubectl debug.go, debugByEphemeralContainer).
/// </summary>
internal sealed record ApiError(int Code, string Reason, string Message, string? Name = null, string? Kind = null, IReadOnlyList<FieldCause>? Causes = null)
{
    public string? Group { get; init; }

    /// <summary>metav1.Status listMeta.continue: a 410 for an expired continue token offers one that lists from now on.</summary>
    public string? Continue { get; init; }

    public static ApiError Forbidden(string resource, string name, string detail) =>
        new(403, "Forbidden", $"{resource} \"{name}\" is forbidden: {detail}", name, resource);

    public static ApiError NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found", name, resource);

    public static ApiError AlreadyExists(string resource, string name) =>
        new(409, "AlreadyExists", $"{resource} \"{name}\" already exists", name, resource);

    public static ApiError Conflict(string resource, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": {detail}", name, resource);

    public static ApiError Modified(string resource, string name) =>
        Conflict(resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    /// <summary>NewInvalid: <paramref name="message"/> is the full "The Pod "x" is invalid: ..." text.</summary>
    public static ApiError Invalid(string kind, string name, string message, IReadOnlyList<FieldCause> causes) =>
        new(422, "Invalid", message, name, kind, causes);

    /// <summary>NewInternalError: the cause's text is the message's tail and the one cause.</summary>
    public static ApiError Internal(string cause) =>
        new(500, "InternalError", "Internal error occurred: " + cause, Causes: [new FieldCause("", cause, "")]);

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError Gone(string message) => new(410, "Expired", message);

    public static ApiError UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml ({contentType})");

    /// <summary>The apiserver's 404 for a path it does not serve: NewNotFound of an empty resource, so <c>details</c> is <c>{}</c>.</summary>
    public static ApiError NoRoute() => new(404, "NotFound", "the server could not find the requested resource", Name: "", Kind: "");

    /// <summary>
    /// The metav1.Status JSON. Written by hand: KubernetesClient's V1Status converter only reads.
    /// </summary>
    public byte[] ToStatusJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", "Status");
            writer.WriteString("apiVersion", "v1");
            writer.WriteStartObject("metadata");
            if (Continue is not null)
            {
                writer.WriteString("continue", Continue);
            }

            writer.WriteEndObject();
            writer.WriteString("status", "Failure");
            writer.WriteString("message", Message);
            writer.WriteString("reason", Reason);
            if (Name is not null || Kind is not null || Causes is not null)
            {
                WriteDetails(writer);
            }

            writer.WriteNumber("code", Code);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void WriteDetails(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("details");
        if (!string.IsNullOrEmpty(Name))
        {
            writer.WriteString("name", Name);
        }

        if (!string.IsNullOrEmpty(Group))
        {
            writer.WriteString("group", Group);
        }

        if (!string.IsNullOrEmpty(Kind))
        {
            writer.WriteString("kind", Kind);
        }

        if (Causes is not null)
        {
            writer.WriteStartArray("causes");
            foreach (var cause in Causes)
            {
                // StatusCause's fields are omitempty.
                writer.WriteStartObject();
                WriteUnlessEmpty(writer, "reason", cause.Reason);
                WriteUnlessEmpty(writer, "message", cause.Message);
                WriteUnlessEmpty(writer, "field", cause.Field);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteUnlessEmpty(Utf8JsonWriter writer, string name, string value)
    {
        if (value.Length > 0)
        {
            writer.WriteString(name, value);
        }
    }
}
