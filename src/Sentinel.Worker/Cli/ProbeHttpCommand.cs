using System.CommandLine;
using System.Text.Json.Nodes;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel probe http URL</c>: flags named as curl names them where curl has one.</summary>
internal static class ProbeHttpCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("url") { Description = "An http:// or https:// URL." };
        var method = new Option<string>("--request", "-X") { Description = "Request method (default GET, or POST with --data).", HelpName = "METHOD" };
        var headers = new Option<string[]>("--header", "-H") { Description = "A request header, 'Name: value'; repeatable.", HelpName = "HEADER", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string>("--data", "-d") { Description = "Request body.", HelpName = "BODY" };
        var expect = new Option<string>("--expect-status") { Description = "Statuses that pass, comma-separated codes and classes (default 2xx), e.g. 200,3xx.", HelpName = "LIST" };
        var noFollow = new Option<bool>("--no-follow") { Description = "Do not follow redirects." };
        var maxRedirects = new Option<int?>("--max-redirs") { Description = "Most redirects followed (default 10).", HelpName = "N" };
        var http2 = new Option<bool>("--http2") { Description = "Offer HTTP/2 (ALPN over TLS; prior knowledge over plain http)." };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Report certificate problems as warnings instead of failures." };
        var caFile = new Option<string>("--cacert", "--cafile") { Description = "PEM file of CA certificates to trust instead of the system store (--cafile, as openssl spells it, also works).", HelpName = "FILE" };
        var cert = new Option<string>("--cert", "-E") { Description = "PEM client certificate (mutual TLS).", HelpName = "FILE" };
        var key = new Option<string>("--key") { Description = "PEM private key of --cert.", HelpName = "FILE" };
        var serverName = new Option<string>("--servername") { Description = "SNI name and the name the certificate must cover.", HelpName = "NAME" };
        var proxy = new Option<string>("--proxy", "-x") { Description = "HTTP proxy, http://host:port (CONNECT tunnel).", HelpName = "URL" };
        var addresses = new Option<string>("--addresses") { Description = "Probe every address of the name: any, all or quorum:N (default first).", HelpName = "POLICY" };
        var bodyMatches = new Option<string>("--body-matches") { Description = "Regular expression the body must match.", HelpName = "REGEX" };
        var maxBody = new Option<long?>("--max-body") { Description = "Most body bytes read (default 10 MiB).", HelpName = "BYTES" };
        var options = new AdHocProbeOptions();
        var command = new Command("http", "Send an HTTP(S) request, timing resolve, connect, tls, processing and transfer, and show what came back.")
        {
            target, method, headers, data, expect, noFollow, maxRedirects, http2, insecure, caFile, cert, key, serverName, proxy, addresses, bodyMatches, maxBody,
        };
        options.AddTo(command);
        foreach (var (member, flag) in new[]
        {
            ("http.method", "--request"), ("http.headers", "--header"), ("http.body", "--data"), ("http.expectStatus", "--expect-status"), ("http.maxRedirects", "--max-redirs"),
            ("http.tls.caFile", "--cacert"), ("http.tls.clientCertificate", "--cert"), ("http.tls.clientKey", "--key"), ("http.tls.serverName", "--servername"),
            ("http.proxy", "--proxy"), ("http.addresses", "--addresses"), ("http.bodyMatches", "--body-matches"), ("http.maxBodyBytes", "--max-body"),
        })
        {
            options.Flags[member] = flag;
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var http = new JsonObject();
            var tls = new JsonObject();
            void Set(JsonObject into, string name, JsonNode? value)
            {
                if (value is not null)
                {
                    into[name] = value;
                }
            }

            Set(http, "method", parse.GetValue(method));
            Set(http, "body", parse.GetValue(data));
            Set(http, "maxRedirects", parse.GetValue(maxRedirects));
            Set(http, "proxy", parse.GetValue(proxy));
            Set(http, "addresses", parse.GetValue(addresses));
            Set(http, "bodyMatches", parse.GetValue(bodyMatches));
            Set(http, "maxBodyBytes", parse.GetValue(maxBody));
            Set(tls, "caFile", parse.GetValue(caFile));
            Set(tls, "clientCertificate", parse.GetValue(cert));
            Set(tls, "clientKey", parse.GetValue(key));
            Set(tls, "serverName", parse.GetValue(serverName));
            if (parse.GetValue(expect) is { } list)
            {
                http["expectStatus"] = new JsonArray(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(s => int.TryParse(s, out var code) ? JsonValue.Create(code) : (JsonNode)JsonValue.Create(s)).ToArray());
            }

            if (parse.GetValue(noFollow))
            {
                http["followRedirects"] = false;
            }

            if (parse.GetValue(http2))
            {
                http["httpVersion"] = "2";
            }

            if (parse.GetValue(insecure))
            {
                http["insecure"] = true;
            }

            if (parse.GetValue(headers) is { Length: > 0 } given)
            {
                var (map, error) = HeaderFlags(given);
                if (error is not null)
                {
                    await stderr.WriteLineAsync(error).ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                http["headers"] = map;
            }

            if (tls.Count > 0)
            {
                http["tls"] = tls;
            }

            var definition = options.Build(parse, "http", parse.GetValue(target)!);
            if (http.Count > 0)
            {
                definition["http"] = http;
            }

            return await ProbeCommand.RunAdHocAsync(definition, options.Flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Turns repeated <c>-H 'Name: value'</c> flags into a check's headers object, or the usage error line for the
    /// first flag without a name and colon.
    /// </summary>
    internal static (JsonObject Headers, string? Error) HeaderFlags(IEnumerable<string> given)
    {
        var map = new JsonObject();
        foreach (var header in given)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return (map, $"sentinel: --header: expected 'Name: value', got \"{header}\"");
            }

            map[header[..colon].Trim()] = header[(colon + 1)..].Trim();
        }

        return (map, null);
    }
}
