#Requires -Version 7.6
<#
.SYNOPSIS
    Builds the OCI image of the module (the repository's Containerfile) with podman, and optionally pushes it.

.DESCRIPTION
    Used by build.ps1 Image and by the container tests. Stages the build context (hard links, so nothing large is
    copied), makes the base image when podman does not have it yet (container/base-image.sh: debootstrap from this
    machine's apt mirror; no public registry is needed), and runs podman build. podman's layer cache makes a rebuild
    with unchanged files take seconds: the worker (libtorch) and the runtime are layers of their own.

    podman runs with container/containers.conf unless $env:CONTAINERS_CONF names another file (runc and explicit
    ulimits: some sandboxes refuse crun's defaults). Returns an object with the tag, the image ID, its size, the
    build time and whether the base was built.

.EXAMPLE
    ./container/Build-KgImage.ps1 -ModuleFolder out/KnowledgeGraph -Tag localhost/kgtools:0.1.0 -Push localhost:5000/kgtools:0.1.0
#>
[CmdletBinding()]
param(
    # The built module (build.ps1 Build's out/KnowledgeGraph), with its worker/ folder.
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $Tag,
    # Where to stage the context and the base's rootfs.
    [Parameter(Mandatory)] [string] $WorkFolder,
    # A registry reference to push the image to as well (plain HTTP for localhost registries).
    [string] $Push
)

$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot
$root = Split-Path $here
if (-not $env:CONTAINERS_CONF) { $env:CONTAINERS_CONF = Join-Path $here 'containers.conf' }

foreach ($tool in 'podman') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) {
        throw "$tool is not installed: the image is built with Debian's podman (apt-get install podman buildah runc debootstrap)."
    }
}
$module = (Resolve-Path $ModuleFolder).Path
if (-not (Test-Path (Join-Path $module 'worker/KnowledgeGraph.Worker.dll'))) { throw "$module has no worker/: build the module first (build.ps1 Build)." }

function Invoke-Native([string] $What) {
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

# The base is named after what makes it: the script (its package list) and the host's Debian release.
$recipe = (Get-Content (Join-Path $here 'base-image.sh') -Raw) + (Get-Content /etc/os-release -Raw)
$recipeHash = [Convert]::ToHexStringLower([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($recipe))).Substring(0, 12)
$base = "localhost/kgtools-base:$recipeHash"
$clock = [Diagnostics.Stopwatch]::StartNew()
& podman image exists $base
$baseBuilt = $LASTEXITCODE -ne 0
if ($baseBuilt) {
    & bash (Join-Path $here 'base-image.sh') $base (Join-Path $WorkFolder 'base') | Out-Host
    Invoke-Native 'Building the base image'
}

# The context: the .NET runtime that runs pwsh here, PowerShell itself, the worker, the module.
$context = Join-Path $WorkFolder 'context'
if (Test-Path $context) { Remove-Item $context -Recurse -Force }
New-Item -ItemType Directory $context | Out-Null
$runtime = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory().TrimEnd('/')   # <root>/shared/Microsoft.NETCore.App/<version>
$dotnetRoot = Split-Path (Split-Path (Split-Path $runtime))
$fxr = Get-ChildItem (Join-Path $dotnetRoot 'host/fxr') -Directory | Sort-Object { [version]($_.Name -replace '-.*') } | Select-Object -Last 1
function Add-Link([string] $Source, [string] $Target) {
    New-Item -ItemType Directory -Force (Split-Path $Target) | Out-Null
    # Hard links when the source is on the same file system; a copy otherwise.
    & cp -al $Source $Target 2>$null
    if ($LASTEXITCODE -ne 0) { & cp -a $Source $Target; Invoke-Native "Copying $Source" }
}
Add-Link (Join-Path $dotnetRoot 'dotnet') (Join-Path $context 'dotnet/dotnet')
Add-Link $fxr.FullName (Join-Path $context "dotnet/host/fxr/$($fxr.Name)")
Add-Link $runtime (Join-Path $context "dotnet/shared/Microsoft.NETCore.App/$(Split-Path $runtime -Leaf)")
Add-Link $PSHOME (Join-Path $context 'pwsh')
Add-Link (Join-Path $module 'worker') (Join-Path $context 'worker')
New-Item -ItemType Directory (Join-Path $context 'module') | Out-Null
Get-ChildItem $module -Exclude 'worker' | ForEach-Object { Add-Link $_.FullName (Join-Path $context "module/$($_.Name)") }
Add-Link (Join-Path $here 'profile.ps1') (Join-Path $context 'profile.ps1')
# The launchers must be executable for every user (a package or tool store may have dropped the bits); copies, so the
# originals keep theirs.
foreach ($launcher in 'pwsh/pwsh', 'worker/KnowledgeGraph.Worker') {
    $path = Join-Path $context $launcher
    if (Test-Path $path) {
        Copy-Item $path "$path.copy"
        Move-Item "$path.copy" $path -Force
        & chmod 755 $path
    }
}

& podman build --layers --file (Join-Path $root 'Containerfile') --build-arg "BASE_IMAGE=$base" --tag $Tag $context | Out-Host
Invoke-Native 'podman build'
$seconds = $clock.Elapsed.TotalSeconds
$image = & podman image inspect $Tag --format '{{.Id}} {{.Size}}'
Invoke-Native 'podman image inspect'
$id, $size = $image -split ' '

if ($Push) {
    & podman tag $Tag $Push
    Invoke-Native 'podman tag'
    # A registry on this machine (localhost:<port>) speaks plain HTTP.
    $tls = $Push -match '^(localhost|127\.0\.0\.1)(:\d+)?/' ? 'false' : 'true'
    & podman push --tls-verify=$tls $Push | Out-Host
    Invoke-Native "podman push $Push"
}
Remove-Item $context -Recurse -Force
[pscustomobject]@{
    Tag          = $Tag
    Id           = $id
    SizeBytes    = [long] $size
    BuildSeconds = [Math]::Round($seconds, 1)
    BaseImage    = $base
    BaseBuilt    = $baseBuilt
    Pushed       = $Push
}
