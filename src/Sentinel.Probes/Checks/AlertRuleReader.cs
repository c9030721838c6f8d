using System.Text.Json;

namespace Sentinel.Probes.Checks;

/// <summary>Reads a check's <c>alert</c> member: an object, or <c>false</c> to turn alerting off.</summary>
internal static class AlertRuleReader
{
    /// <summary>
    /// The check's alert rule; <see cref="AlertRule.Defaults"/> when absent or invalid (the error is then recorded).
    /// Channel names are checked against <see cref="CheckReadContext.Channels"/> when the reader knows them.
    /// </summary>
    public static AlertRule Read(JsonObjectReader check, CheckReadContext context)
    {
        switch (check.Member("alert"))
        {
            case null:
            case { ValueKind: JsonValueKind.True }:
                return AlertRule.Defaults;
            case { ValueKind: JsonValueKind.False }:
                return AlertRule.Off;
            case { ValueKind: not JsonValueKind.Object } other:
                check.Error("alert", $"expected an object, or false to turn alerting off, got {JsonObjectReader.Describe(other)}");
                return AlertRule.Defaults;
        }

        var r = check.Object("alert")!;
        var after = r.Integer("after", 1, AlertLimits.MaxRuns);
        var within = r.Integer("within", 1, AlertLimits.MaxRuns);
        if (after is { } a && within is { } w && w < a)
        {
            r.Error("within", $"must be at least \"after\" ({a}): {a} failures cannot happen within {w} results, got {w}");
        }

        var resolveAfter = r.Integer("resolveAfter", 1, AlertLimits.MaxRuns);
        var repeat = ReadRepeat(r);
        var severity = r.Choice("severity", AlertLimits.Severities);
        var notify = ReadNotify(r, context);
        r.Complete();
        return new AlertRule
        {
            After = after,
            Within = within,
            ResolveAfter = resolveAfter,
            Repeat = repeat,
            Severity = severity,
            Notify = notify,
        };
    }

    private static TimeSpan? ReadRepeat(JsonObjectReader r)
    {
        switch (r.Member("repeat"))
        {
            case null:
                return null;
            case { ValueKind: JsonValueKind.Number } number when number.TryGetInt32(out var zero) && zero == 0:
                return TimeSpan.Zero;
            case { ValueKind: JsonValueKind.String } text:
                if (AlertLimits.ParseRepeat(text.GetString(), out var repeat) is { } error)
                {
                    r.Error("repeat", error);
                    return null;
                }

                return repeat;
            case var other:
                r.Error("repeat", $"expected a duration such as \"4h\", or \"0\" for never, got {JsonObjectReader.Describe(other.Value)}");
                return null;
        }
    }

    private static List<string>? ReadNotify(JsonObjectReader r, CheckReadContext context)
    {
        if (r.Array("notify", AlertLimits.MaxChannels) is not { } items)
        {
            return null;
        }

        var names = new List<string>(items.Count);
        foreach (var (item, path) in items)
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 and <= 64 } name)
            {
                r.ErrorAt(path, $"expected a channel name, got {JsonObjectReader.Describe(item)}");
                continue;
            }

            if (names.Contains(name, StringComparer.Ordinal))
            {
                r.ErrorAt(path, $"channel \"{name}\" is listed twice");
                continue;
            }

            if (context.Channels is { } known && AlertLimits.UnknownChannel(name, known) is { } unknown)
            {
                r.ErrorAt(path, unknown);
            }

            names.Add(name);
        }

        return names;
    }
}
