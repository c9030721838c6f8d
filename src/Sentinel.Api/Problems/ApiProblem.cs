using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Sentinel.Api.Problems;

/// <summary>
/// Builds the API's error answers: RFC 9457 problem details with one of <see cref="ProblemTypes"/>, a title from the
/// status and a <c>detail</c> that says what to do. Written through the problem-details service, so that endpoint,
/// middleware and framework errors all have the same shape.
/// </summary>
public static class ApiProblem
{
    /// <summary>A problem answer for an endpoint.</summary>
    public static ProblemHttpResult Of(int status, string type, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(Details(status, type, detail, extensions));

    /// <summary>The problem details of <see cref="Of"/>, for middleware that writes through <see cref="IProblemDetailsService"/>.</summary>
    public static ProblemDetails Details(int status, string type, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = ProblemTypes.Title(status), Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    /// <summary>Writes a problem from middleware (authentication, rate limiting) that has no endpoint result to return.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string type, string detail)
    {
        context.Response.StatusCode = status;
        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = Details(status, type, detail) }).ConfigureAwait(false);
    }

    /// <summary>404 for a check id.</summary>
    public static ProblemHttpResult CheckNotFound(string id) =>
        Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"no check has the id \"{Shorten(id)}\"");

    /// <summary>400 for a query parameter.</summary>
    public static ProblemHttpResult InvalidParameter(string name, string detail) =>
        Of(StatusCodes.Status400BadRequest, ProblemTypes.InvalidParameter, $"{name}: {detail}", new Dictionary<string, object?> { ["parameter"] = name });

    /// <summary>An id quoted in a message: a hostile one is cut short rather than echoed whole.</summary>
    internal static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
