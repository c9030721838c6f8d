using System.Globalization;

namespace Sentinel.Probes.Names;

/// <summary>
/// The Public Suffix List (publicsuffix.org): which names are suffixes under which anyone may register a name
/// (<c>com</c>, <c>co.uk</c>, <c>github.io</c>), and so what a host's registrable domain (eTLD+1) is. Browsers
/// refuse a wildcard certificate for <c>*.co.uk</c> and hstspreload.org accepts only a registrable domain by it.
/// Read from the list file the operating system keeps current (Debian's <c>publicsuffix</c> package), as
/// libpsl and curl do; names are compared in their ASCII (A-label) form, lower case.
/// </summary>
/// <remarks>
/// The algorithm is the list's own (publicsuffix.org/list/, "Formal algorithm"): a rule matches when its labels
/// equal the host's rightmost labels, <c>*</c> matching any one label; the prevailing rule is an exception rule
/// (<c>!</c>) when one matches, else the matching rule with the most labels, else <c>*</c> (an unlisted top-level
/// label is a public suffix); an exception rule's public suffix is the rule without its leftmost label.
/// </remarks>
internal sealed class PublicSuffixList
{
    /// <summary>Where Debian, Ubuntu, Fedora and Arch keep the list.</summary>
    public const string DefaultPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    /// <summary>The comment line that starts the list's private section (github.io, s3.amazonaws.com).</summary>
    public const string PrivateSectionMarker = "===BEGIN PRIVATE DOMAINS===";

    private static readonly Lazy<PublicSuffixList?> SystemList = new(() => Load(DefaultPath));
    private static readonly IdnMapping Idn = new() { AllowUnassigned = true, UseStd3AsciiRules = false };

    private readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);

    private PublicSuffixList(string source, PublicSuffixList? icann)
    {
        Source = source;
        Icann = icann ?? this;
    }

    /// <summary>The list at <see cref="DefaultPath"/>, or null when this machine has none (install <c>publicsuffix</c>).</summary>
    public static PublicSuffixList? System => SystemList.Value;

    /// <summary>Where the list was read from.</summary>
    public string Source { get; }

    /// <summary>How many rules the list holds.</summary>
    public int Count => _rules.Count + _exceptions.Count;

    /// <summary>
    /// The rules of the ICANN section alone: the suffixes registries hand out names under (<c>com</c>, <c>co.uk</c>),
    /// without the private section's company domains (<c>github.io</c>), as browsers judge wildcard certificates.
    /// </summary>
    public PublicSuffixList Icann { get; }

    /// <summary>Reads a list file, or returns null when it cannot be read.</summary>
    public static PublicSuffixList? Load(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return Parse(reader, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the list's text format: one rule per line, <c>//</c> comments, blank lines ignored.</summary>
    public static PublicSuffixList Parse(TextReader reader, string source)
    {
        var icann = new PublicSuffixList(source, null);
        var list = new PublicSuffixList(source, icann);
        var inPrivateSection = false;
        while (reader.ReadLine() is { } line)
        {
            inPrivateSection |= line.Contains(PrivateSectionMarker, StringComparison.Ordinal);

            // A rule is the line up to its first white space (the list's own definition).
            var rule = line.Trim();
            var space = rule.IndexOfAny([' ', '\t']);
            rule = space < 0 ? rule : rule[..space];
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var exception = rule.StartsWith('!');
            if (Ascii(exception ? rule[1..] : rule) is { } ascii)
            {
                (exception ? list._exceptions : list._rules).Add(ascii);
                if (!inPrivateSection)
                {
                    (exception ? icann._exceptions : icann._rules).Add(ascii);
                }
            }
        }

        return list;
    }

    /// <summary>The public suffix of <paramref name="host"/> (<c>co.uk</c> for <c>www.example.co.uk</c>), or null for a name that is not a domain name.</summary>
    public string? PublicSuffix(string host)
    {
        if (Ascii(host) is not { } name)
        {
            return null;
        }

        var labels = name.Split('.');
        for (var take = labels.Length; take >= 1; take--)
        {
            // Longest first: the first rule that matches has the most labels, unless an exception matches too.
            var suffix = string.Join('.', labels[^take..]);
            if (_exceptions.Contains(suffix))
            {
                return string.Join('.', labels[^(take - 1)..]);
            }
        }

        for (var take = labels.Length; take >= 1; take--)
        {
            var suffix = string.Join('.', labels[^take..]);
            var wildcard = take > 1 ? "*." + string.Join('.', labels[^(take - 1)..]) : "*";
            if (_rules.Contains(suffix) || _rules.Contains(wildcard))
            {
                return suffix;
            }
        }

        // The default rule "*": an unlisted top-level label is a public suffix.
        return labels[^1];
    }

    /// <summary>Whether <paramref name="host"/> is itself a public suffix (<c>com</c>, <c>co.uk</c>, <c>github.io</c>).</summary>
    public bool IsPublicSuffix(string host) => Ascii(host) is { } name && PublicSuffix(name) == name;

    /// <summary>The registrable domain of <paramref name="host"/> (eTLD+1: <c>example.co.uk</c> for <c>www.example.co.uk</c>), or null when it is a public suffix itself.</summary>
    public string? RegistrableDomain(string host)
    {
        if (Ascii(host) is not { } name || PublicSuffix(name) is not { } suffix || suffix.Length == name.Length)
        {
            return null;
        }

        var labels = name.Split('.');
        return string.Join('.', labels[^(suffix.Count(c => c == '.') + 2)..]);
    }

    /// <summary>A name in lower-case A-label form without a trailing dot, or null when it has an empty label or cannot be mapped.</summary>
    private static string? Ascii(string name)
    {
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length == 0 || trimmed.Split('.').Any(l => l.Length == 0))
        {
            return null;
        }

        try
        {
            // "*" is not a valid IDNA label; map the other labels one by one.
            return string.Join('.', trimmed.Split('.').Select(l => l == "*" ? l : Idn.GetAscii(l))).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
