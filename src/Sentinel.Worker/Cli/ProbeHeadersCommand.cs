using System.CommandLine;
using System.Text.Json.Nodes;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel probe headers URL</c>: a one-shot header audit. Prints each finding with its evidence (the request sent
/// and the response headers received) and hint; exits 1 when a finding reaches <c>--fail-on</c> (default critical).
/// </summary>
internal static class ProbeHeadersCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("url") { Description = "An http:// or https:// URL." };
        var origins = new Option<string[]>("--origin") { Description = "An origin that must get access (CORS), e.g. https://app.example.com; repeatable.", HelpName = "ORIGIN", AllowMultipleArgumentsPerToken = false };
        var credentials = new Option<bool>("--credentials") { Description = "The allowed origins send credentials (cookies, Authorization)." };
        var methods = new Option<string[]>("--method") { Description = "A method the allowed origins use (non-simple ones are preflighted); repeatable.", HelpName = "METHOD", AllowMultipleArgumentsPerToken = false };
        var corsHeaders = new Option<string[]>("--cors-header") { Description = "A request header the allowed origins send (non-safelisted ones are preflighted); repeatable.", HelpName = "NAME", AllowMultipleArgumentsPerToken = false };
        var security = new Option<bool>("--security-headers") { Description = "Also require nosniff, a CSP, framing protection, a Referrer-Policy and cookie flags." };
        var failOn = new Option<string>("--fail-on") { Description = "Lowest finding severity that fails: info, warning or critical (default).", HelpName = "SEVERITY" };
        var minMaxAge = new Option<string>("--min-max-age") { Description = "Lowest acceptable HSTS max-age (default 180d).", HelpName = "DURATION" };
        var includeSubDomains = new Option<bool>("--include-subdomains") { Description = "Require includeSubDomains in HSTS." };
        var preload = new Option<bool>("--preload") { Description = "Judge HSTS preload readiness even if the header does not ask for it." };
        var httpUrl = new Option<string>("--http-url") { Description = "The plain-HTTP URL that must redirect to HTTPS (default the URL with http:// on port 80).", HelpName = "URL" };
        var noHttpRedirect = new Option<bool>("--no-http-redirect") { Description = "Do not request the plain-HTTP URL." };
        var headers = new Option<string[]>("--header", "-H") { Description = "A request header sent with the requests (a session cookie, Authorization), 'Name: value'; repeatable.", HelpName = "HEADER", AllowMultipleArgumentsPerToken = false };
        var noFollow = new Option<bool>("--no-follow") { Description = "Do not follow redirects: audit the URL's own response." };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Report certificate problems as warnings instead of failures." };
        var caFile = new Option<string>("--cacert", "--cafile") { Description = "PEM file of CA certificates to trust instead of the system store (--cafile, as openssl spells it, also works).", HelpName = "FILE" };
        var options = new AdHocProbeOptions();
        var command = new Command("headers", "Audit a URL's HSTS, CORS and security headers as a security reviewer would, showing each finding's evidence and hint.")
        {
            target, origins, credentials, methods, corsHeaders, security, failOn, minMaxAge, includeSubDomains, preload, httpUrl, noHttpRedirect, headers, noFollow, insecure, caFile,
        };
        options.AddTo(command);
        foreach (var (member, flag) in new[]
        {
            ("headers.cors.origins", "--origin"), ("headers.cors.methods", "--method"), ("headers.cors.headers", "--cors-header"),
            ("headers.failOn", "--fail-on"), ("headers.hsts.minMaxAge", "--min-max-age"), ("headers.hsts.httpUrl", "--http-url"),
            ("headers.headers", "--header"), ("headers.tls.caFile", "--cacert"),
        })
        {
            options.Flags[member] = flag;
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var section = new JsonObject();
            var hsts = new JsonObject();
            var cors = new JsonObject();
            static void Set(JsonObject into, string name, JsonNode? value)
            {
                if (value is not null)
                {
                    into[name] = value;
                }
            }

            static JsonArray? List(string[]? values) => values is { Length: > 0 } ? new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()) : null;

            Set(cors, "origins", List(parse.GetValue(origins)));
            Set(cors, "methods", List(parse.GetValue(methods)));
            Set(cors, "headers", List(parse.GetValue(corsHeaders)));
            Set(cors, "credentials", parse.GetValue(credentials) ? true : null);
            Set(hsts, "minMaxAge", parse.GetValue(minMaxAge));
            Set(hsts, "includeSubDomains", parse.GetValue(includeSubDomains) ? true : null);
            Set(hsts, "preload", parse.GetValue(preload) ? true : null);
            Set(hsts, "httpUrl", parse.GetValue(httpUrl));
            Set(hsts, "httpRedirect", parse.GetValue(noHttpRedirect) ? false : null);
            Set(section, "failOn", parse.GetValue(failOn));
            Set(section, "securityHeaders", parse.GetValue(security) ? List(["nosniff", "csp", "framing", "referrerPolicy", "cookies"]) : null);
            Set(section, "followRedirects", parse.GetValue(noFollow) ? false : null);
            Set(section, "insecure", parse.GetValue(insecure) ? true : null);
            Set(section, "tls", parse.GetValue(caFile) is { } ca ? new JsonObject { ["caFile"] = ca } : null);
            Set(section, "hsts", hsts.Count > 0 ? hsts : null);
            Set(section, "cors", cors.Count > 0 ? cors : null);
            if (parse.GetValue(headers) is { Length: > 0 } given)
            {
                var (map, error) = ProbeHttpCommand.HeaderFlags(given);
                if (error is not null)
                {
                    await stderr.WriteLineAsync(error).ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                section["headers"] = map;
            }

            var definition = options.Build(parse, "headers", parse.GetValue(target)!);
            if (section.Count > 0)
            {
                definition["headers"] = section;
            }

            return await ProbeCommand.RunAdHocAsync(definition, options.Flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
