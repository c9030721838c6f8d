using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>Reads and checks the members of an <c>http</c> section that need more than a type check.</summary>
internal static class HttpSectionRules
{
    /// <summary>Headers the client sets itself; a check setting them would corrupt the framing.</summary>
    private static readonly HashSet<string> ClientHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE", "Keep-Alive", "Proxy-Connection",
    };

    /// <summary>Characters that end an authority (a path, query, fragment) or belong to user information.</summary>
    private static readonly System.Buffers.SearchValues<char> NotInAuthority = System.Buffers.SearchValues.Create("/?#@ \\");

    /// <summary>Whether <paramref name="text"/> is an RFC 9110 token (5.6.2): method and header names.</summary>
    public static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));

    public static IReadOnlyDictionary<string, string> ReadHeaders(JsonObjectReader reader)
    {
        if (reader.StringMap("headers", 64, 8192) is not { } headers)
        {
            return new Dictionary<string, string>();
        }

        var path = JsonPath.Member(reader.Path, "headers");
        foreach (var name in headers.Keys)
        {
            if (!IsToken(name))
            {
                reader.ErrorAt(JsonPath.Member(path, name), "a header name must be a token (letters, digits and !#$%&'*+-.^_`|~)");
            }
            else if (ClientHeaders.Contains(name))
            {
                reader.ErrorAt(JsonPath.Member(path, name), $"{name} is set by the HTTP client itself and cannot be overridden");
            }
            else if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) && HostOfAuthority(headers[name]) is null)
            {
                reader.ErrorAt(JsonPath.Member(path, name), $"must be a host name or address with an optional port (RFC 9110, 7.2), such as www.example.com or www.example.com:8443, got \"{headers[name]}\"");
            }
        }

        // JsonObjectReader.String already rejects control characters (CR, LF, NUL) in values: no header injection.
        return headers;
    }

    /// <summary>
    /// The host of an authority (<c>name</c>, <c>name:port</c>, <c>address</c>, <c>[v6]:port</c>) as TLS uses it: a
    /// name in A-label form, an address without brackets; null when <paramref name="authority"/> is not one.
    /// </summary>
    public static string? HostOfAuthority(string authority)
    {
        if (authority.Length == 0 || authority.AsSpan().IndexOfAny(NotInAuthority) >= 0
            || !Uri.TryCreate($"http://{authority}/", UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return null;
        }

        return uri.HostNameType switch
        {
            UriHostNameType.IPv6 => uri.Host.Trim('[', ']'),
            UriHostNameType.IPv4 => uri.Host,
            UriHostNameType.Dns => HostPort.TryNormaliseHostName(uri.IdnHost, out var ascii, out _) ? ascii : null,
            _ => null,
        };
    }

    /// <summary><c>expectStatus</c>: an array of codes (100–599) and classes (<c>"2xx"</c>).</summary>
    public static IReadOnlyList<StatusPattern> ReadStatuses(JsonObjectReader reader)
    {
        if (reader.Array("expectStatus", 64) is not { } items)
        {
            return [];
        }

        if (items.Count == 0)
        {
            reader.Error("expectStatus", "must list at least one status, such as 200 or \"2xx\"");
            return [];
        }

        var patterns = new List<StatusPattern>();
        foreach (var (item, path) in items)
        {
            if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var code) && code is >= 100 and <= 599)
            {
                patterns.Add(new StatusPattern(code, code));
            }
            else if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: 3 } text
                && text[0] is >= '1' and <= '5' && text[1..].Equals("xx", StringComparison.OrdinalIgnoreCase))
            {
                var hundreds = (text[0] - '0') * 100;
                patterns.Add(new StatusPattern(hundreds, hundreds + 99));
            }
            else
            {
                reader.ErrorAt(path, $"expected a status code from 100 to 599 or a class such as \"2xx\", got {JsonObjectReader.Describe(item)}");
            }
        }

        return patterns;
    }

    /// <summary>A pattern or an array of up to 16 patterns.</summary>
    public static IReadOnlyList<Regex> ReadPatterns(JsonObjectReader reader, string name)
    {
        if (reader.Member(name) is not { } value)
        {
            return [];
        }

        var path = JsonPath.Member(reader.Path, name);
        if (value.ValueKind == JsonValueKind.String)
        {
            return reader.Pattern(name) is { } single ? [single] : [];
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > 16)
        {
            reader.Error(name, $"expected a regular expression or an array of 1 to 16, got {JsonObjectReader.Describe(value)}");
            return [];
        }

        var patterns = new List<Regex>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = JsonPath.Index(path, index++);
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 and <= 4096 } text)
            {
                reader.ErrorAt(itemPath, $"expected a regular expression of 1 to 4096 characters, got {JsonObjectReader.Describe(item)}");
            }
            else if (reader.CompilePattern(text, itemPath) is { } pattern)
            {
                patterns.Add(pattern);
            }
        }

        return patterns;
    }

    /// <summary>An object of header name → pattern.</summary>
    public static IReadOnlyList<HeaderPattern> ReadHeaderPatterns(JsonObjectReader reader, string name)
    {
        if (reader.StringMap(name, 32, 4096) is not { } map)
        {
            return [];
        }

        var path = JsonPath.Member(reader.Path, name);
        var patterns = new List<HeaderPattern>();
        foreach (var (header, text) in map)
        {
            if (!IsToken(header))
            {
                reader.ErrorAt(JsonPath.Member(path, header), "a header name must be a token (letters, digits and !#$%&'*+-.^_`|~)");
            }
            else if (reader.CompilePattern(text, JsonPath.Member(path, header)) is { } pattern)
            {
                patterns.Add(new HeaderPattern(header, pattern));
            }
        }

        return patterns;
    }

    /// <summary><c>addresses</c>: <c>first</c>, <c>any</c>, <c>all</c> or <c>quorum:N</c>.</summary>
    public static AddressPolicy ReadAddressPolicy(JsonObjectReader reader)
    {
        var text = reader.String("addresses", maxLength: 16);
        if (text is null)
        {
            return AddressPolicy.First;
        }

        if (AddressPolicy.TryParse(text, out var policy))
        {
            return policy;
        }

        reader.Error("addresses", $"expected \"first\", \"any\", \"all\" or \"quorum:N\" (N from 1 to {AddressPolicy.MaxAddresses}), got \"{text}\"");
        return AddressPolicy.First;
    }

    /// <summary><c>proxy</c>: <c>http://host:port</c>.</summary>
    public static Uri? ReadProxy(JsonObjectReader reader)
    {
        var text = reader.String("proxy", maxLength: 2048);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            reader.Error("proxy", $"expected an HTTP proxy as http://host:port, got \"{text}\"");
            return null;
        }

        return uri;
    }

    /// <summary>Checks a target: an absolute http or https URL with a host and no user information.</summary>
    public static string? ValidateTarget(string target)
    {
        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri)
            && (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            return $"not a valid URL: \"{target}\" (check the host, the port (1 to 65535) and the characters used)";
        }

        if (uri is null || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"expected an http:// or https:// URL, got \"{target}\"";
        }

        if (uri.Host.Length == 0)
        {
            return $"the URL has no host: \"{target}\"";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "credentials in the URL are not supported (they would be stored and shown with every result); send an Authorization header instead";
        }

        if (uri.IsDefaultPort || uri.Port is > 0 and <= 65535)
        {
            return uri.HostNameType == UriHostNameType.Dns && !HostPort.TryNormaliseHostName(uri.IdnHost, out _, out var error) ? error : null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"port must be a number from 1 to 65535, got {uri.Port}");
    }
}
