using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sentinel.Testing;

/// <summary>A request a <see cref="HeaderServer"/> received: its method, path and headers.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// An HTTP(S) server on loopback (Kestrel) whose answers each test writes: every request, whatever its path and
/// method, goes to <see cref="Respond"/>, which sets the status and the response headers (several fields of one
/// name are sent as several lines). The default answers 200 "ok" with no extra header. Requests are recorded
/// (the last 256), so tests can see what a probe sent. <see cref="Respond"/> can be swapped between runs.
/// </summary>
public sealed class HeaderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private volatile Action<HttpContext> _respond;

    private HeaderServer(WebApplication app, Action<HttpContext> respond)
    {
        _app = app;
        _respond = respond;
    }

    /// <summary>The server's root, e.g. <c>https://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    public int Port => BaseUri.Port;

    /// <summary>Writes the answer to each request (status, headers; the body is "ok" unless it writes one).</summary>
    public Action<HttpContext> Respond
    {
        get => _respond;
        set => _respond = value;
    }

    /// <summary>The requests received so far, oldest first (at most the last 256).</summary>
    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>A URL of this server.</summary>
    public string Url(string pathAndQuery = "/") => new Uri(BaseUri, pathAndQuery).ToString();

    /// <summary>Starts a server answering with <paramref name="respond"/>, over TLS with <paramref name="tls"/> when given.</summary>
    public static async Task<HeaderServer> StartAsync(Action<HttpContext>? respond = null, TestChain? tls = null, string host = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (tls is not null)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = tls.Leaf,
                        ServerCertificateChain = new X509Certificate2Collection(tls.Intermediates.ToArray()),
                    });
                }
            });
        });

        var app = builder.Build();
        var server = new HeaderServer(app, respond ?? (_ => { }));
        app.Run(async context =>
        {
            server.Record(context.Request);
            server.Respond(context);
            if (!context.Response.HasStarted && context.Response.StatusCode is not (204 or 304) && context.Request.Method != "HEAD")
            {
                await context.Response.WriteAsync("ok");
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri($"{(tls is null ? "http" : "https")}://{host}:{new Uri(address).Port}/");
        return server;
    }

    /// <summary>Adds a response header field; called repeatedly, the same name goes out as several fields.</summary>
    public static void Add(HttpContext context, string name, string value) => context.Response.Headers.Append(name, value);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Record(HttpRequest request)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new ReceivedRequest(request.Method, request.Path + request.QueryString, headers));
        while (_requests.Count > 256)
        {
            _requests.TryDequeue(out _);
        }
    }
}
