using System.CommandLine;
using System.Text.Json.Nodes;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel probe tls HOST:PORT</c>: one handshake, then the chain as <c>openssl s_client -showcerts</c> shows
/// it, but readable: a block per certificate with its days left, and the verdicts with hints.
/// </summary>
internal static class ProbeTlsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("target") { Description = "host:port, or [IPv6]:port." };
        var serverName = new Option<string>("--servername") { Description = "Name to send as SNI and check the certificate against (default: the host).", HelpName = "NAME" };
        var startTls = new Option<string>("--starttls") { Description = "Upgrade from a plain-text protocol first: smtp, imap, pop3 or postgres.", HelpName = "PROTOCOL" };
        var caFile = new Option<string>("--cafile", "--cacert") { Description = "PEM file of CA certificates to trust instead of the system trust store (--cacert, as curl spells it, also works).", HelpName = "FILE" };
        var certificate = new Option<string>("--cert") { Description = "PEM client certificate for mutual TLS.", HelpName = "FILE" };
        var key = new Option<string>("--key") { Description = "PEM private key of --cert (default: the --cert file).", HelpName = "FILE" };
        var threshold = new Option<string>("--expiry-threshold") { Description = "Warn about certificates expiring sooner than this (default 14d).", HelpName = "DURATION" };
        var versions = new Option<bool>("--tls-versions") { Description = "Also find out which of TLS 1.0 to 1.3 the server accepts." };
        var options = new AdHocProbeOptions();
        var command = new Command("tls", "Handshake with host:port and show the certificate chain, its days left and every verdict.")
        {
            target, serverName, startTls, caFile, certificate, key, threshold, versions,
        };
        options.AddTo(command);
        foreach (var (member, flag) in new[]
        {
            ("serverName", "--servername"), ("starttls", "--starttls"), ("caFile", "--cafile"), ("clientCertificate", "--cert"),
            ("clientKey", "--key"), ("expiryThreshold", "--expiry-threshold"), ("tlsVersions", "--tls-versions"),
        })
        {
            options.Flags["tls." + member] = flag;
        }

        command.SetAction((parse, cancellationToken) =>
        {
            var definition = options.Build(parse, "tls", parse.GetValue(target)!);
            var section = new JsonObject();
            Set(section, "serverName", parse.GetValue(serverName));
            Set(section, "starttls", parse.GetValue(startTls));
            Set(section, "caFile", parse.GetValue(caFile) is { } ca ? Path.GetFullPath(ca) : null);
            Set(section, "clientCertificate", parse.GetValue(certificate) is { } cert ? Path.GetFullPath(cert) : null);
            Set(section, "clientKey", parse.GetValue(key) is { } k ? Path.GetFullPath(k) : null);
            Set(section, "expiryThreshold", parse.GetValue(threshold));
            if (parse.GetValue(versions))
            {
                section["tlsVersions"] = true;
            }

            definition["tls"] = section;
            return ProbeCommand.RunAdHocAsync(definition, options.Flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken);
        });
        return command;
    }

    private static void Set(JsonObject section, string name, string? value)
    {
        if (value is not null)
        {
            section[name] = value;
        }
    }
}
