using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// The one <c>/metrics</c> endpoint: OpenTelemetry's exporter writes the node's own series (scheduler, storage,
/// files), asked for the text format 0.0.4 into a buffer, and <see cref="CheckSeries"/> streams every check's series
/// after them straight from the latest-result view; the whole is gzip-compressed when the scraper accepts it
/// (Prometheus does).
/// </summary>
internal static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>The content type of the text exposition format, which both parts are written in.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointConventionBuilder MapSentinelMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(WithCheckSeriesAsync), optionsName: null);

    /// <summary>Runs OpenTelemetry's exporter (<paramref name="next"/>) into a buffer, then writes its output and streams the check series.</summary>
    private static async Task WithCheckSeriesAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var gzip = AcceptsGzip(request);

        // The exporter answers in the format and encoding asked for: ask for what the check series are written in.
        request.Headers.Accept = "text/plain; version=0.0.4";
        request.Headers.Remove(HeaderNames.AcceptEncoding);
        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        using var node = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(node));
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Features.Set(original);
        }

        var response = context.Response;
        if (response.StatusCode != StatusCodes.Status200OK)
        {
            // A failed or timed-out collection is passed on as the exporter answered it.
            await response.Body.WriteAsync(node.GetBuffer().AsMemory(0, (int)node.Length), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // The check series follow the node's, streamed as they are written: their length is not known up front.
        var series = context.RequestServices.GetRequiredService<CheckSeries>();
        response.ContentLength = null;
        response.ContentType = ContentType;
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (gzip)
        {
            response.Headers.ContentEncoding = "gzip";
            var compressed = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
            await using (compressed.ConfigureAwait(false))
            {
                await compressed.WriteAsync(node.GetBuffer().AsMemory(0, (int)node.Length), context.RequestAborted).ConfigureAwait(false);
                await series.WriteToAsync(compressed, context.RequestAborted).ConfigureAwait(false);
            }
        }
        else
        {
            await response.Body.WriteAsync(node.GetBuffer().AsMemory(0, (int)node.Length), context.RequestAborted).ConfigureAwait(false);
            await series.WriteToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.GetTypedHeaders().AcceptEncoding.Any(e =>
            (e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || e.Value.Equals("*", StringComparison.Ordinal)) && e.Quality is not 0);
}
