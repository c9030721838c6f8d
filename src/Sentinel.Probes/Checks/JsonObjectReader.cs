using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sentinel.Probes.Checks;

/// <summary>
/// Reads one JSON object of a check strictly: each accessor checks the member's type and bounds and records
/// an error with the member's path instead of throwing, so that one pass reports every problem.
/// <see cref="Complete"/> then reports members nobody asked for, since unknown fields are errors.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly Dictionary<string, JsonElement> _members = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly CheckReadContext _context;

    private JsonObjectReader(JsonElement element, string path, CheckReadContext context)
    {
        Path = path;
        _context = context;
        foreach (var member in element.EnumerateObject())
        {
            if (!_members.TryAdd(member.Name, member.Value))
            {
                // RFC 8259 leaves duplicate names to the implementation; a second value silently winning hides mistakes.
                context.Error(JsonPath.Member(path, member.Name), "duplicate field; each field may appear only once");
            }
        }
    }

    /// <summary>The JSON path of this object.</summary>
    public string Path { get; }

    internal static JsonObjectReader? Open(JsonElement element, string path, CheckReadContext context)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            context.Error(path, $"expected an object, got {Describe(element)}");
            return null;
        }

        return new JsonObjectReader(element, path, context);
    }

    /// <summary>Records an error at a member of this object (or at the object itself when <paramref name="member"/> is null).</summary>
    public void Error(string? member, string message) => _context.Error(member is null ? Path : JsonPath.Member(Path, member), message);

    /// <summary>Records an error at any path of the document.</summary>
    public void ErrorAt(string path, string message) => _context.Error(path, message);

    /// <summary>Whether the member is present (it then counts as known).</summary>
    public bool Has(string name)
    {
        _known.Add(name);
        return _members.ContainsKey(name);
    }

    /// <summary>The raw member, marking it known; null when absent.</summary>
    public JsonElement? Member(string name)
    {
        _known.Add(name);
        return _members.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>Declares members that are read elsewhere, so that <see cref="Complete"/> does not report them.</summary>
    public void Known(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            _known.Add(name);
        }
    }

    /// <summary>A string member; an error when it has another type, is empty or too long, or is required and absent.</summary>
    public string? String(string name, bool required = false, int maxLength = 1024)
    {
        if (Member(name) is not { } value)
        {
            if (required)
            {
                Error(name, "required field is missing");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, $"expected a string, got {Describe(value)}");
            return null;
        }

        var text = value.GetString()!;
        if (text.Length == 0)
        {
            Error(name, "must not be empty");
            return null;
        }

        if (text.Length > maxLength)
        {
            Error(name, $"must be at most {maxLength} characters, got {text.Length}");
            return null;
        }

        if (text.Any(char.IsControl))
        {
            Error(name, "must not contain control characters");
            return null;
        }

        return text;
    }

    /// <summary>A boolean member.</summary>
    public bool? Boolean(string name)
    {
        if (Member(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error(name, $"expected true or false, got {Describe(value)}");
            return null;
        }

        return value.GetBoolean();
    }

    /// <summary>An integer member within <paramref name="min"/>..<paramref name="max"/>.</summary>
    public int? Integer(string name, int min, int max)
    {
        if (Member(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            Error(name, $"expected a whole number from {min} to {max}, got {Describe(value)}");
            return null;
        }

        if (number < min || number > max)
        {
            Error(name, $"must be from {min} to {max}, got {number}");
            return null;
        }

        return (int)number;
    }

    /// <summary>A number member within <paramref name="min"/>..<paramref name="max"/>.</summary>
    public double? Number(string name, double min, double max)
    {
        if (Member(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            Error(name, $"expected a number, got {Describe(value)}");
            return null;
        }

        if (number < min || number > max)
        {
            Error(name, $"must be from {Format(min)} to {Format(max)}, got {Format(number)}");
            return null;
        }

        return number;
    }

    /// <summary>A duration member such as <c>"30s"</c>, within <paramref name="min"/>..<paramref name="max"/>.</summary>
    public TimeSpan? Duration(string name, TimeSpan min, TimeSpan max)
    {
        if (Member(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !Checks.Duration.TryParse(value.GetString(), out var duration))
        {
            Error(name, $"expected a duration such as \"30s\", \"5m\" or \"1h30m\", got {Describe(value)}");
            return null;
        }

        if (duration < min || duration > max)
        {
            Error(name, $"must be from {Checks.Duration.Format(min)} to {Checks.Duration.Format(max)}, got \"{value.GetString()}\"");
            return null;
        }

        return duration;
    }

    /// <summary>A string member that must be one of <paramref name="choices"/> (case-sensitive).</summary>
    public T? Choice<T>(string name, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        if (Member(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && choices.TryGetValue(value.GetString()!, out var choice))
        {
            return choice;
        }

        Error(name, $"expected one of {string.Join(", ", choices.Keys.Select(k => $"\"{k}\""))}, got {Describe(value)}");
        return null;
    }

    /// <summary>A regular expression member, compiled with a match timeout so that a hostile input cannot stall a probe.</summary>
    public Regex? Pattern(string name)
    {
        var text = String(name, maxLength: 4096);
        return text is null ? null : CompilePattern(text, JsonPath.Member(Path, name));
    }

    /// <summary>Compiles a pattern found at <paramref name="path"/>, recording an error when it is not a valid .NET regular expression.</summary>
    public Regex? CompilePattern(string text, string path)
    {
        try
        {
            return new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(250));
        }
        catch (ArgumentException ex)
        {
            _context.Error(path, $"invalid regular expression: {ex.Message}");
            return null;
        }
    }

    /// <summary>A nested object member.</summary>
    public JsonObjectReader? Object(string name) =>
        Member(name) is { } value ? Open(value, JsonPath.Member(Path, name), _context) : null;

    /// <summary>An array member with at most <paramref name="maxItems"/> items, each with its path.</summary>
    public IReadOnlyList<(JsonElement Item, string Path)>? Array(string name, int maxItems)
    {
        if (Member(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(name, $"expected an array, got {Describe(value)}");
            return null;
        }

        var count = value.GetArrayLength();
        if (count > maxItems)
        {
            Error(name, $"must have at most {maxItems} items, got {count}");
            return null;
        }

        var path = JsonPath.Member(Path, name);
        return value.EnumerateArray().Select((item, i) => (item, JsonPath.Index(path, i))).ToList();
    }

    /// <summary>Opens an array item as an object.</summary>
    public JsonObjectReader? ItemObject(JsonElement item, string path) => Open(item, path, _context);

    /// <summary>An array of non-empty strings.</summary>
    public IReadOnlyList<string>? StringArray(string name, int maxItems, int maxLength = 1024)
    {
        if (Array(name, maxItems) is not { } items)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        foreach (var (item, path) in items)
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } text)
            {
                _context.Error(path, $"expected a non-empty string, got {Describe(item)}");
                continue;
            }

            if (text.Length > maxLength)
            {
                _context.Error(path, $"must be at most {maxLength} characters, got {text.Length}");
                continue;
            }

            result.Add(text);
        }

        return result;
    }

    /// <summary>An object whose members all have string values, e.g. labels or headers.</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string name, int maxEntries, int maxValueLength)
    {
        if (Object(name) is not { } map)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map._members.Count > maxEntries)
        {
            Error(name, $"must have at most {maxEntries} entries, got {map._members.Count}");
            return null;
        }

        foreach (var key in map._members.Keys)
        {
            if (map.String(key, maxLength: maxValueLength) is { } text)
            {
                result[key] = text;
            }
        }

        return result;
    }

    /// <summary>Reports every member that no accessor asked for, suggesting the closest known name.</summary>
    public void Complete()
    {
        foreach (var name in _members.Keys)
        {
            if (_known.Contains(name))
            {
                continue;
            }

            var suggestion = _known
                .Select(known => (known, distance: EditDistance(name.ToLowerInvariant(), known.ToLowerInvariant())))
                .Where(x => x.distance <= Math.Max(2, x.known.Length / 3))
                .OrderBy(x => x.distance)
                .Select(x => x.known)
                .FirstOrDefault();
            Error(name, suggestion is not null
                ? $"unknown field; did you mean \"{suggestion}\"?"
                : $"unknown field; expected one of: {string.Join(", ", _known.Order(StringComparer.Ordinal))}");
        }
    }

    /// <summary>Describes a JSON value for an error message, shortening long strings.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: > 40 } s ? $"string \"{s[..37]}...\"" : $"string \"{value.GetString()}\"",
        JsonValueKind.Number => $"number {(value.GetRawText() is { Length: > 24 } n ? n[..21] + "..." : value.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "nothing",
    };

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
