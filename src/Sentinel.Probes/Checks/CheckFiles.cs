namespace Sentinel.Probes.Checks;

/// <summary>Finds and parses check files: every <c>*.json</c> under the given files and folders.</summary>
internal static class CheckFiles
{
    /// <summary>
    /// Parses every check file under <paramref name="paths"/> (files, or folders searched recursively), in path
    /// order, and rejects ids defined twice. A path that does not exist is reported as an invalid document.
    /// <paramref name="types"/> are the check types the files may use, <paramref name="channels"/> (when given) the alert
    /// channels they may notify.
    /// </summary>
    internal static IReadOnlyList<CheckDocument> Load(IEnumerable<string> paths, CheckTypes types, IReadOnlyCollection<string>? channels = null)
    {
        var documents = new List<CheckDocument>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                documents.AddRange(Find(path).Select(file => LoadFile(file, types, channels)));
            }
            else if (File.Exists(path))
            {
                documents.Add(LoadFile(path, types, channels));
            }
            else
            {
                documents.Add(new CheckDocument(path, [], [new CheckError(path, null, JsonPath.Root, "no such file or directory")]));
            }
        }

        return CheckSet.RejectDuplicateIds(documents);
    }

    /// <summary>The <c>*.json</c> files under a folder, recursively, in ordinal path order; hidden entries skipped.</summary>
    public static IReadOnlyList<string> Find(string directory)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden,
            MatchCasing = MatchCasing.CaseSensitive,
        };

        // Editors write temporary files next to the real one (.#name.json, name.json~); dot-files are not checks.
        return Directory.EnumerateFiles(directory, "*.json", options)
            .Where(f => !Path.GetRelativePath(directory, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Reads and parses one file, refusing files over the size limit before reading them whole.</summary>
    internal static CheckDocument LoadFile(string path, CheckTypes types, IReadOnlyCollection<string>? channels = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > CheckLimits.MaxFileBytes)
            {
                return new CheckDocument(path, [], [new CheckError(path, null, JsonPath.Root,
                    $"the document is larger than {CheckLimits.MaxFileBytes / 1024 / 1024} MiB ({stream.Length} bytes); split it into several files")]);
            }

            var buffer = new byte[stream.Length];
            stream.ReadExactly(buffer);
            return CheckParser.Parse(buffer, path, types, channels);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CheckDocument(path, [], [new CheckError(path, null, JsonPath.Root, $"cannot read the file: {ex.Message}")]);
        }
    }
}
