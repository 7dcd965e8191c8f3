using System.Security.Cryptography;

namespace KnowledgeGraph.Encoders;

/// <summary>An encoder's files where they were found, checked.</summary>
public sealed record InstalledEncoder(PretrainedEncoder Encoder, string Folder)
{
    public string ModelPath => Path.Combine(Folder, Encoder.Model.Name);
    public string VocabularyPath => Path.Combine(Folder, Encoder.Vocabulary.Name);
}

/// <summary>What is installed where, for one encoder (Get-KgEncoder).</summary>
public sealed record EncoderStatus(PretrainedEncoder Encoder, string State, string? Folder, string Detail, IReadOnlyList<string> SearchPath)
{
    public const string Installed = "Installed";
    public const string Missing = "Missing";
    public const string ChecksumMismatch = "ChecksumMismatch";

    /// <summary>The encoder's name (binds to -Name of Install-KgEncoder down a pipeline).</summary>
    public string Name => Encoder.Name;
}

/// <summary>Finds a pretrained encoder's files. The folders searched, in order: each folder in $env:KG_ENCODER_PATH, the
/// module's own <c>encoders</c> folder (the build puts the encoders there), and the user's (where Install-KgEncoder
/// writes by default). An encoder lives in a sub-folder named after it. The first folder that has the encoder's model
/// file is the one used, and its files must have the expected lengths and SHA-256: a wrong file is an error, never
/// silently passed over for another.</summary>
public static class EncoderLocator
{
    public const string PathVariable = "KG_ENCODER_PATH";

    /// <summary>The user's encoder folder: ~/.local/share/KnowledgeGraph/encoders on Linux, %LOCALAPPDATA%\KnowledgeGraph\encoders on Windows.</summary>
    public static string UserFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "KnowledgeGraph", "encoders");

    /// <summary>The module's encoders folder, given the module's (or the worker's parent) folder.</summary>
    public static string ModuleFolder(string moduleBase) => Path.Combine(moduleBase, "encoders");

    public static IReadOnlyList<string> SearchPath(string? moduleBase)
    {
        var folders = new List<string>();
        var variable = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(variable))
        {
            folders.AddRange(variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath));
        }
        if (moduleBase is not null)
        {
            folders.Add(ModuleFolder(moduleBase));
        }
        folders.Add(UserFolder);
        return folders.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The encoder's checked files, or an error that names what is wrong and how to get the right files.</summary>
    public static InstalledEncoder Locate(PretrainedEncoder encoder, IReadOnlyList<string> searchPath)
    {
        var status = Inspect(encoder, searchPath);
        return status.State switch
        {
            EncoderStatus.Installed => new InstalledEncoder(encoder, status.Folder!),
            EncoderStatus.Missing => throw new KgException("EncoderMissing", KgErrorKind.NotInstalled,
                $"The encoder {encoder.Name} is not installed: no {encoder.Name}{Path.DirectorySeparatorChar}{encoder.Model.Name} in {string.Join(", ", searchPath)}. {encoder.HowToInstall}.", encoder.Name),
            _ => throw new KgException("EncoderChecksumMismatch", KgErrorKind.InvalidData,
                $"The encoder {encoder.Name} in {status.Folder} cannot be used: {status.Detail}. {encoder.HowToInstall} (with -Force to replace the files).", status.Folder),
        };
    }

    public static EncoderStatus Inspect(PretrainedEncoder encoder, IReadOnlyList<string> searchPath)
    {
        foreach (var root in searchPath)
        {
            var folder = Path.Combine(root, encoder.Name);
            if (!File.Exists(Path.Combine(folder, encoder.Model.Name)))
            {
                continue;
            }
            var problem = Check(encoder, folder);
            return problem is null
                ? new EncoderStatus(encoder, EncoderStatus.Installed, folder, $"{encoder.Model.Name} and {encoder.Vocabulary.Name} match their SHA-256", searchPath)
                : new EncoderStatus(encoder, EncoderStatus.ChecksumMismatch, folder, problem, searchPath);
        }
        return new EncoderStatus(encoder, EncoderStatus.Missing, null, $"not in {string.Join(", ", searchPath)}", searchPath);
    }

    /// <summary>What is wrong with the encoder's files in <paramref name="folder"/>, or null when every file is as expected.</summary>
    public static string? Check(PretrainedEncoder encoder, string folder)
    {
        foreach (var file in encoder.Files)
        {
            var path = Path.Combine(folder, file.Name);
            if (!File.Exists(path))
            {
                return $"{path} is missing";
            }
            var length = new FileInfo(path).Length;
            if (length != file.Length)
            {
                return $"{path} has {length:N0} bytes, not {file.Length:N0}";
            }
            var sha = Sha256Of(path);
            if (sha != file.Sha256)
            {
                return $"{path} has SHA-256 {sha}, not {file.Sha256}";
            }
        }
        return null;
    }

    internal static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
