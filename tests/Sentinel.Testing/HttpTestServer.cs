using System.IO.Compression;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sentinel.Testing;

/// <summary>How an <see cref="HttpTestServer"/> listens.</summary>
public sealed record HttpTestServerOptions
{
    /// <summary>The chain served over TLS; null serves plain HTTP.</summary>
    public TestChain? Tls { get; init; }

    /// <summary>Whether the intermediates are sent after the leaf.</summary>
    public bool SendIntermediates { get; init; } = true;

    /// <summary>HTTP/1.1 only (default), HTTP/1.1 and HTTP/2 (ALPN over TLS), or HTTP/2 only (h2c prior knowledge over plain HTTP).</summary>
    public HttpProtocols Protocols { get; init; } = HttpProtocols.Http1;

    /// <summary>The address to listen on; loopback by default (127.0.0.2 and 127.0.0.3 work on Linux too).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The port; 0 picks a free one.</summary>
    public int Port { get; init; }
}

/// <summary>
/// A well-behaved HTTP(S) server on loopback (Kestrel) with the endpoints the HTTP probe's tests need:
/// <c>/</c> (200 "hello"), <c>/status/{code}</c>, <c>/redirect/{code}?to=URL</c>, <c>/chain/{n}</c> (n relative
/// redirects down to 0), <c>/loop/a</c> ↔ <c>/loop/b</c>, <c>/gzip</c>, <c>/br</c>, <c>/deflate</c>,
/// <c>/raw-deflate</c>, <c>/json</c>, <c>/delay?firstByteMs=&amp;bodyMs=&amp;chunks=</c> (a delay before the first byte
/// and a body streamed over a time), <c>/bytes/{n}</c>, <c>/echo</c> (method, headers and body back).
/// </summary>
public sealed class HttpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly System.Runtime.CompilerServices.StrongBox<int> _requests;

    private HttpTestServer(WebApplication app, Uri baseUri, System.Runtime.CompilerServices.StrongBox<int> requests)
    {
        _app = app;
        BaseUri = baseUri;
        _requests = requests;
    }

    /// <summary>The server's root, e.g. <c>https://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; }

    public int Port => BaseUri.Port;

    /// <summary>A URL of this server.</summary>
    public string Url(string pathAndQuery = "/") => new Uri(BaseUri, pathAndQuery).ToString();

    /// <summary>Requests served so far.</summary>
    public int Requests => Volatile.Read(ref _requests.Value);

    public static async Task<HttpTestServer> StartAsync(HttpTestServerOptions? options = null)
    {
        options ??= new HttpTestServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Address, options.Port, listen =>
            {
                listen.Protocols = options.Protocols;
                if (options.Tls is { } chain)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = chain.Leaf,
                        ServerCertificateChain = options.SendIntermediates
                            ? new X509Certificate2Collection(chain.Intermediates.ToArray())
                            : null,
                    });
                }
            });
        });

        var app = builder.Build();
        var requests = new System.Runtime.CompilerServices.StrongBox<int>();
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref requests.Value);
            await next(context);
        });
        MapEndpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var host = options.Address.ToString();
        return new HttpTestServer(app, new Uri($"{(options.Tls is null ? "http" : "https")}://{host}:{port}/"), requests);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/", () => "hello");
        app.Map("/status/{code:int}", (int code) => Results.Text($"status {code}", statusCode: code));
        app.Map("/redirect/{code:int}", (int code, string to, HttpContext context) =>
        {
            context.Response.StatusCode = code;
            context.Response.Headers.Location = to;
            return Task.CompletedTask;
        });
        app.Map("/chain/{n:int}", (int n, HttpContext context) =>
        {
            if (n <= 0)
            {
                return context.Response.WriteAsync("end of chain");
            }

            context.Response.StatusCode = 302;
            context.Response.Headers.Location = $"{n - 1}";
            return Task.CompletedTask;
        });
        app.Map("/loop/a", (HttpContext context) => Redirect(context, "/loop/b"));
        app.Map("/loop/b", (HttpContext context) => Redirect(context, "/loop/a"));
        app.MapGet("/json", () => Results.Text("{\"status\":\"ok\",\"version\":\"1.2.3\"}", "application/json"));
        app.MapGet("/gzip", (HttpContext context) => Compressed(context, "gzip", s => new GZipStream(s, CompressionLevel.Optimal, leaveOpen: true)));
        app.MapGet("/br", (HttpContext context) => Compressed(context, "br", s => new BrotliStream(s, CompressionLevel.Optimal, leaveOpen: true)));
        app.MapGet("/deflate", (HttpContext context) => Compressed(context, "deflate", s => new ZLibStream(s, CompressionLevel.Optimal, leaveOpen: true)));
        app.MapGet("/raw-deflate", (HttpContext context) => Compressed(context, "deflate", s => new DeflateStream(s, CompressionLevel.Optimal, leaveOpen: true)));
        app.MapGet("/bytes/{n:long}", async (long n, HttpContext context) =>
        {
            context.Response.ContentLength = n;
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < n; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, n - sent)), context.RequestAborted);
            }
        });
        app.MapGet("/delay", Delay);

        // A page with a Last-Modified date, for probe_http_last_modified_timestamp_seconds.
        app.MapGet("/last-modified", (HttpContext context) =>
        {
            context.Response.Headers.LastModified = LastModified.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            return "unchanged since 2026";
        });
        app.Map("/echo", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = string.Join("\n", context.Request.Headers.Select(h => $"{h.Key}: {h.Value}"));
            await context.Response.WriteAsync($"{context.Request.Method} {context.Request.Protocol}\n{headers}\n\n{body}");
        });
    }

    /// <summary>
    /// Waits <c>firstByteMs</c> before the status line, then sends <c>chunks</c> (default 1) chunks of
    /// <c>chunkBytes</c> spaced evenly over <c>bodyMs</c>: a known server-side delay for the timing tests and the
    /// accuracy benchmark. Waits are awaited timers, not spins.
    /// </summary>
    public static async Task Delay(HttpContext context, int firstByteMs = 0, int bodyMs = 0, int chunks = 1, int chunkBytes = 1024)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilAsync(clock, TimeSpan.FromMilliseconds(firstByteMs), context.RequestAborted);
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var payload = Encoding.ASCII.GetBytes(new string('x', chunkBytes));
        var start = clock.Elapsed;
        for (var i = 0; i < chunks; i++)
        {
            if (chunks > 1 && bodyMs > 0)
            {
                await WaitUntilAsync(clock, start + TimeSpan.FromMilliseconds(bodyMs * i / (double)(chunks - 1)), context.RequestAborted);
            }

            await context.Response.Body.WriteAsync(payload, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>
    /// Waits until <paramref name="clock"/> reads <paramref name="due"/>: a timer for all but the last 2 ms (timers
    /// fire late by up to a millisecond or two, plus a thread's wake-up), then a spin, so that the injected delay is
    /// what it says to a few tens of microseconds. The accuracy benchmark compares against it.
    /// </summary>
    private static async Task WaitUntilAsync(System.Diagnostics.Stopwatch clock, TimeSpan due, CancellationToken cancellationToken)
    {
        var coarse = due - clock.Elapsed - TimeSpan.FromMilliseconds(2);
        if (coarse > TimeSpan.Zero)
        {
            await Task.Delay(coarse, cancellationToken);
        }

        while (clock.Elapsed < due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.SpinWait(20);
        }
    }

    private static Task Redirect(HttpContext context, string to)
    {
        context.Response.StatusCode = 302;
        context.Response.Headers.Location = to;
        return Task.CompletedTask;
    }

    /// <summary>The text every compressed endpoint sends (before compression).</summary>
    /// <summary>The Last-Modified date of <c>/last-modified</c>.</summary>
    public static readonly DateTimeOffset LastModified = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static readonly string CompressedText = string.Concat(Enumerable.Repeat("sentinel compressed body; ", 400));

    private static async Task Compressed(HttpContext context, string coding, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream();
        await using (var compressed = compressor(buffer))
        {
            await compressed.WriteAsync(Encoding.UTF8.GetBytes(CompressedText));
        }

        context.Response.ContentType = "text/plain";
        context.Response.Headers.ContentEncoding = coding;
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.ToArray());
    }
}
