using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// Reads <c>Sentinel:Alerting</c> strictly: unknown keys, values that are not numbers, and every rule the settings
/// break are collected in one pass and reported together, each naming its setting, so that one start-up shows every
/// problem. Secret values are never part of a message.
/// </summary>
internal static partial class AlertingConfiguration
{
    private static readonly string[] TopKeys = ["PublicUrl", "Smtp", "Channels", "Defaults", "Certificates", "Dns"];
    private static readonly string[] SmtpKeys = ["Host", "Port", "Security", "Username", "Password", "From", "CaFile"];
    private static readonly string[] ChannelKeys = ["Type", "To", "Url", "Secret"];
    private static readonly string[] DefaultsKeys = ["After", "Within", "ResolveAfter", "Repeat", "Severity", "Notify"];
    private static readonly string[] CertificateKeys = ["Days", "LifetimeFraction", "Notify"];
    private static readonly string[] DnsKeys = ["Notify"];
    private static readonly string[] Securities = ["None", "StartTls", "Tls"];

    /// <summary>Binds and validates the section.</summary>
    /// <exception cref="OptionsValidationException">Every problem found, each a message that names its setting.</exception>
    public static AlertingOptions Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(AlertingOptions.Section);
        var errors = new List<string>();
        CheckKeys(section, errors);
        if (errors.Count > 0)
        {
            // Binding would throw at the first value that does not convert; these errors say more.
            throw new OptionsValidationException(AlertingOptions.Section, typeof(AlertingOptions), errors);
        }

        var options = new AlertingOptions();
        section.Bind(options);
        errors.AddRange(Validate(options));
        return errors.Count > 0 ? throw new OptionsValidationException(AlertingOptions.Section, typeof(AlertingOptions), errors) : options;
    }

    /// <summary>Every rule the bound options break.</summary>
    internal static IEnumerable<string> Validate(AlertingOptions options)
    {
        const string p = AlertingOptions.Section;
        if (options.PublicUrl is { Length: > 0 } url && !IsHttpUrl(url))
        {
            yield return $"{p}:PublicUrl must be an absolute http:// or https:// URL, got \"{url}\"";
        }

        var names = options.Channels.Keys.ToList();
        foreach (var (name, channel) in options.Channels.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            foreach (var error in ValidateChannel($"{p}:Channels:{name}", name, channel))
            {
                yield return error;
            }
        }

        if (options.Channels.Values.Any(c => c.Type == "email"))
        {
            foreach (var error in ValidateSmtp($"{p}:Smtp", options.Smtp))
            {
                yield return error;
            }
        }

        var d = options.Defaults;
        if (d.After is < 1 or > AlertLimits.MaxRuns)
        {
            yield return $"{p}:Defaults:After must be from 1 to {AlertLimits.MaxRuns}, got {d.After}";
        }

        if (d.Within is { } within && (within < d.After || within > AlertLimits.MaxRuns))
        {
            yield return $"{p}:Defaults:Within must be from After ({d.After}) to {AlertLimits.MaxRuns}, got {within}";
        }

        if (d.ResolveAfter is < 1 or > AlertLimits.MaxRuns)
        {
            yield return $"{p}:Defaults:ResolveAfter must be from 1 to {AlertLimits.MaxRuns}, got {d.ResolveAfter}";
        }

        if (AlertLimits.ParseRepeat(d.Repeat, out _) is { } repeatError)
        {
            yield return $"{p}:Defaults:Repeat {repeatError}";
        }

        if (!AlertLimits.Severities.ContainsKey(d.Severity))
        {
            yield return $"{p}:Defaults:Severity must be critical or warning, got \"{d.Severity}\"";
        }

        foreach (var error in ValidateNotify($"{p}:Defaults:Notify", d.Notify, names))
        {
            yield return error;
        }

        var c = options.Certificates;
        foreach (var days in c.Days.Where(days => days is < 1 or > 3650))
        {
            yield return $"{p}:Certificates:Days must each be from 1 to 3650, got {days}";
        }

        if (!(c.LifetimeFraction is > 0 and < 1))
        {
            yield return $"{p}:Certificates:LifetimeFraction must be above 0 and below 1, got {c.LifetimeFraction.ToString(CultureInfo.InvariantCulture)}";
        }

        foreach (var error in ValidateNotify($"{p}:Certificates:Notify", c.Notify, names).Concat(ValidateNotify($"{p}:Dns:Notify", options.Dns.Notify, names)))
        {
            yield return error;
        }
    }

    private static IEnumerable<string> ValidateChannel(string path, string name, ChannelOptions channel)
    {
        if (name.Length > 64 || !ChannelName().IsMatch(name))
        {
            yield return $"{path}: a channel name must be a slug of lower-case letters, digits, '-', '_' and '.', at most 64 characters";
        }

        switch (channel.Type)
        {
            case "email":
                if (channel.To.Count == 0)
                {
                    yield return $"{path}:To must list at least one address";
                }

                foreach (var to in channel.To.Where(to => !MailAddress.TryCreate(to, out _)))
                {
                    yield return $"{path}:To has an invalid address \"{to}\"";
                }

                if (channel.Url is not null || channel.Secret is not null)
                {
                    yield return $"{path}: Url and Secret are settings of a webhook channel, not of an email channel";
                }

                break;
            case "webhook":
                if (channel.Url is null || !IsHttpUrl(channel.Url))
                {
                    // The URL itself may carry a token, so it is not repeated.
                    yield return $"{path}:Url must be an absolute http:// or https:// URL";
                }

                if (channel.Secret is not { Length: >= 16 })
                {
                    yield return $"{path}:Secret must be set, at least 16 characters, to sign the webhook's requests";
                }

                if (channel.To.Count > 0)
                {
                    yield return $"{path}:To is a setting of an email channel, not of a webhook channel";
                }

                break;
            case null:
                yield return $"{path}:Type is required: email or webhook";
                break;
            default:
                yield return $"{path}:Type must be email or webhook, got \"{channel.Type}\"";
                break;
        }
    }

    private static IEnumerable<string> ValidateSmtp(string path, SmtpOptions smtp)
    {
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            yield return $"{path}:Host is required by the email channels";
        }

        if (smtp.Port is < 1 or > 65535)
        {
            yield return $"{path}:Port must be from 1 to 65535, got {smtp.Port}";
        }

        if (!Securities.Contains(smtp.Security, StringComparer.Ordinal))
        {
            yield return $"{path}:Security must be None, StartTls or Tls, got \"{smtp.Security}\"";
        }

        if (string.IsNullOrEmpty(smtp.Username) != string.IsNullOrEmpty(smtp.Password))
        {
            yield return $"{path}: Username and Password go together: set both for AUTH, or neither";
        }

        if (smtp.CaFile is not null)
        {
            if (smtp.Security == "None")
            {
                yield return $"{path}:CaFile needs Security StartTls or Tls: without TLS there is no certificate to check";
            }
            else if (smtp.CaFile.Length == 0)
            {
                yield return $"{path}:CaFile must name a PEM file of CA certificates";
            }
            else
            {
                TlsTrust.Load(smtp.CaFile, out var problem);
                if (problem is not null)
                {
                    yield return $"{path}:CaFile: {problem.Message}";
                }
            }
        }

        if (string.IsNullOrWhiteSpace(smtp.From))
        {
            yield return $"{path}:From is required by the email channels";
        }
        else if (!MailAddress.TryCreate(smtp.From, out _))
        {
            yield return $"{path}:From is not a valid address: \"{smtp.From}\"";
        }
    }

    private static IEnumerable<string> ValidateNotify(string path, List<string>? notify, IReadOnlyCollection<string> channels)
    {
        foreach (var name in notify ?? [])
        {
            if (AlertLimits.UnknownChannel(name, channels) is { } error)
            {
                yield return $"{path}: {error}";
            }
        }
    }

    /// <summary>Unknown keys at each level, and numbers that do not parse, before anything is bound.</summary>
    private static void CheckKeys(IConfigurationSection section, List<string> errors)
    {
        Unknown(section, TopKeys, errors);
        Unknown(section.GetSection("Smtp"), SmtpKeys, errors);
        Unknown(section.GetSection("Defaults"), DefaultsKeys, errors);
        Unknown(section.GetSection("Certificates"), CertificateKeys, errors);
        Unknown(section.GetSection("Dns"), DnsKeys, errors);
        foreach (var channel in section.GetSection("Channels").GetChildren())
        {
            if (channel.Value is not null)
            {
                errors.Add($"{channel.Path} must be an object with Type (email or webhook) and its settings");
                continue;
            }

            Unknown(channel, ChannelKeys, errors);
        }

        Integer(section.GetSection("Smtp:Port"), errors);
        Integer(section.GetSection("Defaults:After"), errors);
        Integer(section.GetSection("Defaults:Within"), errors);
        Integer(section.GetSection("Defaults:ResolveAfter"), errors);
        foreach (var day in section.GetSection("Certificates:Days").GetChildren())
        {
            Integer(day, errors);
        }

        if (section.GetSection("Certificates:LifetimeFraction").Value is { } fraction &&
            !double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            errors.Add($"{section.Path}:Certificates:LifetimeFraction must be a number such as 0.33, got \"{fraction}\"");
        }
    }

    private static void Unknown(IConfigurationSection section, string[] known, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path}: unknown setting; known: {string.Join(", ", known)}");
            }
        }
    }

    private static void Integer(IConfigurationSection value, List<string> errors)
    {
        if (value.Value is { } text && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            errors.Add($"{value.Path} must be a whole number, got \"{text}\"");
        }
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelName();
}
