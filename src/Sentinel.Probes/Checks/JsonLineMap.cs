using System.Text.Json;

namespace Sentinel.Probes.Checks;

/// <summary>
/// The line on which each JSON path starts, found by one pass of <see cref="Utf8JsonReader"/> over the
/// document, so that errors found later on the parsed tree can still point at a line.
/// </summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonLineMap()
    {
    }

    /// <summary>An empty map, for documents whose lines are unknown.</summary>
    public static JsonLineMap Empty { get; } = new();

    /// <summary>Maps a syntactically valid document. Duplicate members keep the line of their first occurrence.</summary>
    public static JsonLineMap Build(ReadOnlySpan<byte> utf8)
    {
        var map = new JsonLineMap();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = CheckParser.MaxDepth });
        var lineCounter = new LineCounter();

        // One frame per open container: its path, and for arrays the index of the next element.
        var stack = new Stack<(string Path, int NextIndex)>();
        string? pendingMember = null;
        while (reader.Read())
        {
            var line = lineCounter.LineAt(utf8, reader.TokenStartIndex);
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pendingMember = JsonPath.Member(stack.Peek().Path, reader.GetString() ?? string.Empty);
                    map._lines.TryAdd(pendingMember, line);
                    continue;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    stack.Pop();
                    continue;
            }

            // A value: its path is the pending member, the next array index, or the root.
            string path;
            if (pendingMember is not null)
            {
                path = pendingMember;
                pendingMember = null;
            }
            else if (stack.Count > 0)
            {
                var frame = stack.Pop();
                path = JsonPath.Index(frame.Path, frame.NextIndex);
                stack.Push(frame with { NextIndex = frame.NextIndex + 1 });
                map._lines.TryAdd(path, line);
            }
            else
            {
                path = JsonPath.Root;
                map._lines.TryAdd(path, line);
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                stack.Push((path, 0));
            }
        }

        return map;
    }

    /// <summary>The line of <paramref name="path"/>, or of its nearest ancestor present in the document.</summary>
    public int? LineOf(string path)
    {
        var current = path;
        while (true)
        {
            if (_lines.TryGetValue(current, out var line))
            {
                return line;
            }

            var cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
            if (cut <= 0)
            {
                return _lines.TryGetValue(JsonPath.Root, out var root) ? root : null;
            }

            current = current[..cut];
        }
    }

    /// <summary>Counts newlines incrementally; token offsets only grow while reading.</summary>
    private sealed class LineCounter
    {
        private long _offset;
        private int _line = 1;

        public int LineAt(ReadOnlySpan<byte> utf8, long offset)
        {
            var span = utf8[(int)_offset..(int)offset];
            _line += span.Count((byte)'\n');
            _offset = offset;
            return _line;
        }
    }
}
