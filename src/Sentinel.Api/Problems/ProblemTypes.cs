using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Sentinel.Api.Problems;

/// <summary>
/// The <c>type</c> of every problem the API answers (RFC 9457, 3.1.1): a stable URI per kind of error, so that clients
/// branch on it rather than on the wording of <c>detail</c>. They are names, not links (RFC 9457 allows a type URI
/// that does not resolve); the README lists them.
/// </summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:sentinel:problem:";

    /// <summary>400: the body is not well-formed JSON (or not UTF-8, or empty).</summary>
    public const string MalformedJson = Prefix + "malformed-json";

    /// <summary>400: a query parameter or header has a value the API does not accept (a bad cursor, a limit out of range).</summary>
    public const string InvalidParameter = Prefix + "invalid-parameter";

    /// <summary>400: the request itself is malformed (what Kestrel refuses before an endpoint sees it).</summary>
    public const string BadRequest = Prefix + "bad-request";

    /// <summary>401: no API key, or one that is unknown, malformed or revoked.</summary>
    public const string Unauthorized = Prefix + "unauthorized";

    /// <summary>403: the key's scope is too small for the endpoint (a read key on a write endpoint).</summary>
    public const string Forbidden = Prefix + "forbidden";

    /// <summary>404: no such check, or no such path.</summary>
    public const string NotFound = Prefix + "not-found";

    /// <summary>405: the path exists, but not with this method.</summary>
    public const string MethodNotAllowed = Prefix + "method-not-allowed";

    /// <summary>409: a check with the id exists already.</summary>
    public const string DuplicateId = Prefix + "duplicate-id";

    /// <summary>409: the check is defined in a file of the checks folder; change it there.</summary>
    public const string FileOwned = Prefix + "file-owned";

    /// <summary>412: <c>If-Match</c> names a version that is no longer current.</summary>
    public const string PreconditionFailed = Prefix + "precondition-failed";

    /// <summary>413: the body is larger than the API accepts.</summary>
    public const string PayloadTooLarge = Prefix + "payload-too-large";

    /// <summary>415: the body's media type is not the one the endpoint takes.</summary>
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";

    /// <summary>422: the body is JSON, but not a valid check; <c>errors</c> lists every problem with its JSON path.</summary>
    public const string InvalidCheck = Prefix + "invalid-check";

    /// <summary>428: a write needs <c>If-Match</c> with the check's current <c>ETag</c>.</summary>
    public const string PreconditionRequired = Prefix + "precondition-required";

    /// <summary>429: the key (or address) sent too many requests; <c>Retry-After</c> says when to try again.</summary>
    public const string RateLimited = Prefix + "rate-limited";

    /// <summary>500: a fault in Sentinel; the node's log has the details, the answer never does.</summary>
    public const string InternalError = Prefix + "internal-error";

    /// <summary>503: this node cannot do it (it runs no probes, or its database is not ready).</summary>
    public const string Unavailable = Prefix + "unavailable";

    /// <summary>504: the request took longer than the API's request timeout.</summary>
    public const string Timeout = Prefix + "timeout";

    /// <summary>The type of an answer that has only a status code (from the framework rather than an endpoint).</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status412PreconditionFailed => PreconditionFailed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status428PreconditionRequired => PreconditionRequired,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        StatusCodes.Status504GatewayTimeout => Timeout,
        _ when status >= 500 => InternalError,
        _ => BadRequest,
    };

    /// <summary>The one-line title of each status, as RFC 9110 names it.</summary>
    public static string Title(int status) => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
