using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Presently.Server.Api;

/// <summary>A parameter, body field or response field, as the reference page lists it.</summary>
public sealed record ApiField(string Name, string Type, bool Required, string Description);

public sealed record ApiResponseView(string Status, string Description, IReadOnlyList<string> ContentTypes, string? Type, IReadOnlyList<ApiField> Fields);

public sealed record ApiOperationView(string Method, string Path, string Anchor, string Summary, string Description, bool NeedsAuth,
    IReadOnlyList<ApiField> Parameters, string? BodyType, IReadOnlyList<ApiField> BodyFields, IReadOnlyList<ApiResponseView> Responses, string Curl);

/// <summary>
/// The reference page's view of the generated OpenAPI document: every operation with its parameters,
/// body, responses and a curl line to try it. Built from the document itself, so the page and
/// /openapi/v1.json cannot tell different stories.
/// </summary>
public static class ApiReference
{
    public static IReadOnlyList<ApiOperationView> Operations(OpenApiDocument document, string server) =>
        (document.Paths ?? [])
            .SelectMany(path => (path.Value.Operations ?? []).Select(op => View(path.Key, op.Key.Method, op.Value, server)))
            .OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal)
            .ToList();

    private static ApiOperationView View(string path, string method, OpenApiOperation op, string server)
    {
        var parameters = (op.Parameters ?? []).Select(p => new ApiField(p.Name ?? "", $"{TypeOf(p.Schema)} ({In(p.In)})", p.Required, p.Description ?? "")).ToList();
        var body = op.RequestBody?.Content?.Values.FirstOrDefault()?.Schema;
        var responses = (op.Responses ?? []).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r =>
        {
            var content = r.Value.Content ?? new Dictionary<string, OpenApiMediaType>();
            var json = content.Where(c => c.Key.Contains("json", StringComparison.Ordinal)).Select(c => c.Value.Schema).FirstOrDefault();
            return new ApiResponseView(r.Key, r.Value.Description ?? "", content.Keys.ToList(), json is null ? null : TypeOf(json), Fields(json));
        }).ToList();
        var needsAuth = op.Security is { Count: > 0 };
        return new ApiOperationView(method.ToUpperInvariant(), path, Anchor(method, path), op.Summary ?? "", op.Description ?? "", needsAuth,
            parameters, body is null ? null : TypeOf(body), Fields(body), responses, Curl(method, path, op, server, needsAuth));
    }

    /// <summary>A command line that calls the operation with its example values, and a token from the environment when it needs one.</summary>
    public static string Curl(string method, string path, OpenApiOperation op, string server, bool needsAuth)
    {
        var query = string.Join("&", (op.Parameters ?? [])
            .Where(p => p.In == ParameterLocation.Query && p.Example is JsonValue)
            .Select(p => $"{p.Name}={Readable(p.Example!.GetValue<string>())}"));
        var url = server.TrimEnd('/') + path + (query.Length > 0 ? "?" + query : "");
        var parts = new List<string> { "curl -fsS" };
        if (!string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase)) parts.Add("-X " + method.ToUpperInvariant());
        if (needsAuth) parts.Add("-H \"Authorization: Bearer $PRESENTLY_TOKEN\"");
        if (op.RequestBody?.Content is { } content && content.FirstOrDefault() is { Key: { } type, Value: var media })
        {
            parts.Add($"-H 'Content-Type: {type}'");
            if (media.Example is { } example) parts.Add($"-d '{example.ToJsonString()}'");
        }
        parts.Add($"'{url}'");
        return string.Join(" ", parts);
    }

    // Commas and slashes are allowed in a query as they are, and read better there (groupBy=person,app, tz=Europe/Berlin).
    private static string Readable(string value) =>
        Uri.EscapeDataString(value).Replace("%2C", ",", StringComparison.Ordinal).Replace("%2F", "/", StringComparison.Ordinal);

    private static string Anchor(string method, string path) =>
        method.ToLowerInvariant() + "-" + string.Concat(path.Trim('/').Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));

    private static string In(ParameterLocation? location) => location switch
    {
        ParameterLocation.Query => "query",
        ParameterLocation.Path => "path",
        ParameterLocation.Header => "header",
        ParameterLocation.Cookie => "cookie",
        _ => "?",
    };

    /// <summary>The properties of an object schema, or of an array's items.</summary>
    private static List<ApiField> Fields(IOpenApiSchema? schema)
    {
        if (schema is null) return [];
        if (schema.Type is { } t && t.HasFlag(JsonSchemaType.Array)) schema = schema.Items;
        return (schema?.Properties ?? new Dictionary<string, IOpenApiSchema>())
            .Select(p => new ApiField(p.Key, TypeOf(p.Value), schema!.Required?.Contains(p.Key) == true, p.Value.Description ?? "")).ToList();
    }

    public static string TypeOf(IOpenApiSchema? schema)
    {
        if (schema is null) return "any";
        if (schema is OpenApiSchemaReference { Reference.Id: { } id }) return id;
        var type = schema.Type ?? 0;
        var nullable = type.HasFlag(JsonSchemaType.Null) ? " or null" : "";
        if (type.HasFlag(JsonSchemaType.Array)) return TypeOf(schema.Items) + "[]" + nullable;
        if (type.HasFlag(JsonSchemaType.Object) && schema.AdditionalProperties is { } values) return $"map of {TypeOf(values)}" + nullable;
        var names = new[] { JsonSchemaType.String, JsonSchemaType.Integer, JsonSchemaType.Number, JsonSchemaType.Boolean, JsonSchemaType.Object }
            .Where(f => type.HasFlag(f)).Select(f => f.ToString().ToLowerInvariant()).ToList();
        var name = names.Count == 0 ? "any" : string.Join(" or ", names);
        return name + (schema.Format is { Length: > 0 } format ? $" ({format})" : "") + nullable;
    }
}
