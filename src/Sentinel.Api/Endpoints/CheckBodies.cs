using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Sentinel.Api.Problems;
using Sentinel.Probes.Checks;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// Reads check bodies: the media type, the size bound, then the same parser and messages as <c>sentinel validate</c>.
/// JSON that cannot be read is 400 (<see cref="ProblemTypes.MalformedJson"/>); JSON that is not a valid check is 422
/// (<see cref="ProblemTypes.InvalidCheck"/>) listing every problem with its JSON path.
/// </summary>
internal static class CheckBodies
{
    /// <summary>Where errors in a body say they are.</summary>
    public const string Source = "request body";

    public const string Json = "application/json";

    /// <summary>RFC 7396's media type, the one PATCH takes.</summary>
    public const string MergePatch = "application/merge-patch+json";

    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = CheckParser.MaxDepth };

    /// <summary>The body's bytes, or the problem with its media type or size.</summary>
    public static async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, string mediaType, int maxBytes)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase)
            || (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            var seen = string.IsNullOrEmpty(request.ContentType) ? "none" : ApiProblem.Shorten(request.ContentType);
            return (null, ApiProblem.Of(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
                $"this endpoint takes Content-Type: {mediaType} (UTF-8); the request's is {seen}"));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        // Read with the bound whatever Content-Length said: a chunked body has none.
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (read.Buffer.Length > maxBytes)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return (null, TooLarge(maxBytes));
            }

            if (read.IsCompleted)
            {
                var body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return (body, null);
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Parses one check from a body; the problem when it is malformed or invalid, or not one check object.</summary>
    public static (ParsedCheck? Check, ProblemHttpResult? Problem) Parse(ReadOnlySpan<byte> body, bool withLines = true)
    {
        var document = CheckParser.Parse(body, Source, Catalog.Checks);
        if (document.Malformed)
        {
            return (null, ApiProblem.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedJson,
                document.Errors[0].Message + (document.Errors[0].Line is { } line ? $" (line {line})" : "")));
        }

        // A file may hold an array of checks; a request is about one check, so its body is one object.
        if (body.TrimStart(" \t\r\n\uFEFF"u8) is [(byte)'[', ..])
        {
            return (null, Invalid([new CheckProblem(JsonPath.Root, null, "expected one check object, got an array; send each check in its own request")]));
        }

        return document.IsValid
            ? (document.Checks[0], null)
            : (null, Invalid(document.Errors.Select(e => new CheckProblem(e.Path, withLines ? e.Line : null, e.Message)).ToList()));
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7396) to a stored definition: members of the patch replace the target's, null
    /// removes them, objects merge recursively, anything else replaces. The result is parsed as a new body is.
    /// </summary>
    public static (ParsedCheck? Check, ProblemHttpResult? Problem) ApplyMergePatch(string stored, ReadOnlySpan<byte> patch)
    {
        JsonNode? patchNode;
        try
        {
            patchNode = JsonNode.Parse(patch, NodeOptions, DocumentOptions);
        }
        catch (JsonException)
        {
            // The check parser words JSON errors for people; let it say what is wrong with the patch.
            var (_, problem) = Parse(patch);
            return (null, problem ?? ApiProblem.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedJson, "the merge patch is not well-formed JSON"));
        }

        var merged = Merge(JsonNode.Parse(stored, NodeOptions, DocumentOptions), patchNode);
        var text = merged?.ToJsonString() ?? "null";

        // The lines of the merged document are not the patch's lines: the paths say where.
        return Parse(Encoding.UTF8.GetBytes(text), withLines: false);
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = Merge(result[name]?.DeepClone(), value);
            }
        }

        return result;
    }

    private static ProblemHttpResult Invalid(List<CheckProblem> errors) =>
        ApiProblem.Of(StatusCodes.Status422UnprocessableEntity, ProblemTypes.InvalidCheck,
            $"the check is not valid: {errors.Count} problem{(errors.Count == 1 ? "" : "s")}; see errors",
            new Dictionary<string, object?> { ["errors"] = errors });

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        ApiProblem.Of(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"the body is larger than {maxBytes} bytes, the most this API accepts");

    private static Sentinel.Probes.Probing.ProbeTypes Catalog => Sentinel.Probes.ProbeCatalog.Default;
}
