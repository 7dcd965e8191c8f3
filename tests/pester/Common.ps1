# Dot-sourced by every test file (in BeforeAll): the module under test, the shared data, helpers.
$script:ModuleManifest = $env:KG_TEST_MODULE
if (-not $script:ModuleManifest) { throw 'Set $env:KG_TEST_MODULE to the built KnowledgeGraph.psd1 (build.ps1 Test does).' }
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
. (Join-Path $PSScriptRoot 'SharedData.ps1')
$script:ExampleConcepts = Join-Path (Split-Path $script:ModuleManifest) 'examples/concepts'
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

Import-Module $script:ModuleManifest -Force

# A fresh, empty home folder for the module (stores, settings) and the example concepts on the concept path; under
# the suite's $env:KG_TEST_TEMP (Invoke-PesterSuite.ps1 removes it at the end) when set.
function New-KgTestHome {
    $parent = $env:KG_TEST_TEMP ? $env:KG_TEST_TEMP : [System.IO.Path]::GetTempPath()
    $path = Join-Path $parent ("kgtest-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $path | Out-Null
    $env:KG_HOME = $path
    $env:KG_CONCEPT_PATH = $script:ExampleConcepts
    return $path
}

# Runs a script in a new pwsh process (with the module's manifest in $env:KG_TEST_MODULE) and returns its output.
# -InputText makes it an interactive session whose answers to prompts are those lines.
function Invoke-KgChild {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{}, [string[]] $InputText)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
    $arguments = $PSBoundParameters.ContainsKey('InputText') ? @('-NoProfile', '-Command', $Script) : @('-NoProfile', '-NonInteractive', '-Command', $Script)
    foreach ($a in $arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $PSBoundParameters.ContainsKey('InputText')
    $psi.Environment['KG_TEST_MODULE'] = $script:ModuleManifest
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    if ($psi.RedirectStandardInput) {
        foreach ($line in $InputText) { $p.StandardInput.WriteLine($line) }
        $p.StandardInput.Close()
    }
    $stderr = $p.StandardError.ReadToEndAsync()
    $stdout = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $stdout; Error = $stderr.Result }
}

# The error record of a command that must fail (terminating or not), for checking its ErrorId, category and message.
function Get-KgError([scriptblock] $Command) {
    try { & $Command -ErrorAction Stop | Out-Null } catch { return $_ }
    throw 'The command did not fail.'
}

# ---------------------------------------------------------------- the S3 test server (build.ps1 Test starts it)
$script:S3Endpoint = $env:KG_TEST_S3_ENDPOINT
$script:S3Profile = if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' }

. (Join-Path $PSScriptRoot '../tools/New-TestBucket.ps1')

# Points every environment at a fresh bucket (one prefix per environment) on the test server.
function Use-TestS3Store {
    $bucket = New-TestBucket
    Set-KgEnvironment -Store "s3://$bucket/{name}" -EndpointUrl $S3Endpoint -ProfileName $S3Profile
    return $bucket
}

# A fresh home, with either the embedded store (Local) or a new S3 bucket (S3) for every environment; WandB: an S3
# bucket whose registry of record is the W&B stand-in (started in this process; Stop-KgWandBStandIn ends it).
function Initialize-KgTestStore([ValidateSet('Local', 'S3', 'WandB')] [string] $Kind) {
    $homePath = New-KgTestHome
    if ($Kind -in 'S3', 'WandB') { Use-TestS3Store | Out-Null }
    if ($Kind -eq 'WandB') {
        $w = Start-KgWandBStandIn
        Set-KgEnvironment -Registry WandB -WandBEntity kg-team -WandBBaseUrl $w.BaseUrl
    }
    return $homePath
}

# ---------------------------------------------------------------- the W&B stand-in (tests/KnowledgeGraph.WandB.StandIn)
# Loaded into this process (with its GraphQL.NET packages, from its build output); it listens on a loopback port and its
# presigned upload URLs point at a fresh bucket of the S3 test server. The module finds it through the settings
# (-WandBBaseUrl) and the key through $env:WANDB_API_KEY, as it would find W&B.
function Start-KgWandBStandIn([string] $RegistryRole = 'member') {
    if (-not ('KnowledgeGraph.Tests.WandB.WandBStandIn' -as [type])) {
        [System.Reflection.Assembly]::LoadFrom($env:KG_TEST_WANDB_STANDIN) | Out-Null
    }
    $credentials = [KnowledgeGraph.Tests.WandB.S3Presigner]::ReadProfile($env:AWS_SHARED_CREDENTIALS_FILE, $S3Profile)
    $presigner = [KnowledgeGraph.Tests.WandB.S3Presigner]::new($S3Endpoint, $credentials.Item1, $credentials.Item2, (New-TestBucket))
    $standIn = [KnowledgeGraph.Tests.WandB.WandBStandIn]::new($presigner)
    $key = $standIn.AddUser('ada', $RegistryRole, [string[]]@())
    $env:WANDB_API_KEY = $key
    $env:KG_WANDB_SETTLE_MS = '0'
    $script:WandB = [pscustomobject]@{ StandIn = $standIn; BaseUrl = $standIn.BaseUrl; Key = $key; World = $standIn.World }
    return $script:WandB
}

function Stop-KgWandBStandIn {
    if ($script:WandB) {
        $script:WandB.StandIn.Dispose()
        $script:WandB = $null
    }
    Remove-Item Env:WANDB_API_KEY, Env:KG_WANDB_SETTLE_MS -ErrorAction Ignore
}

# Starts pwsh children that each import the module, say they are ready, wait for a common start signal, then run
# their script; returns once all have finished, with each one's exit code and output.
function Invoke-KgChildrenAtOnce {
    param([Parameter(Mandatory)] [string[]] $Scripts, [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 240)
    $gate = Join-Path ([IO.Path]::GetTempPath()) ("kg-gate-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $gate | Out-Null
    $children = for ($i = 0; $i -lt $Scripts.Count; $i++) {
        $wrapped = @"
`$ErrorActionPreference = 'Stop'
Import-Module `$env:KG_TEST_MODULE
New-Item -ItemType File '$gate/ready-$i' | Out-Null
while (-not (Test-Path '$gate/go')) { Start-Sleep -Milliseconds 5 }
$($Scripts[$i])
"@
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $wrapped) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['KG_TEST_MODULE'] = $script:ModuleManifest
        $psi.Environment['NO_COLOR'] = '1'
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $p = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
    }
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (@(Get-ChildItem $gate -Filter 'ready-*').Count -lt $Scripts.Count) {
        if ([datetime]::UtcNow -gt $deadline -or @($children | Where-Object { $_.Process.HasExited }).Count -gt 0) { break }
        Start-Sleep -Milliseconds 20
    }
    New-Item -ItemType File (Join-Path $gate 'go') | Out-Null
    foreach ($c in $children) {
        if (-not $c.Process.WaitForExit([int][Math]::Max(1000, ($deadline - [datetime]::UtcNow).TotalMilliseconds))) { $c.Process.Kill($true) }
    }
    Remove-Item $gate -Recurse -Force
    $children | ForEach-Object { [pscustomobject]@{ ExitCode = $_.Process.ExitCode; Output = $_.Out.Result; Error = $_.Err.Result } }
}

# The environment variables a child process needs to use the same home, concepts and S3 server as this test.
function Get-KgChildEnvironment {
    $vars = @{}
    foreach ($name in 'KG_HOME', 'KG_CONCEPT_PATH', 'KG_WORKER_PATH', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'WANDB_API_KEY', 'KG_WANDB_SETTLE_MS') {
        $value = [Environment]::GetEnvironmentVariable($name)
        if ($value) { $vars[$name] = $value }
    }
    return $vars
}

# Starts a pwsh child running $Script (after importing the module), with this test's home and store.
function Start-KgChild([string] $Script, [hashtable] $Extra = @{}) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module `$env:KG_TEST_MODULE; $Script") { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['KG_TEST_MODULE'] = $ModuleManifest
    $psi.Environment['NO_COLOR'] = '1'
    $vars = Get-KgChildEnvironment
    foreach ($k in $Extra.Keys) { $vars[$k] = $Extra[$k] }
    foreach ($k in $vars.Keys) { $psi.Environment[$k] = $vars[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
}

# Polls $Condition until it is true, failing the test after $Seconds.
function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60) {
    $deadline = [datetime]::UtcNow.AddSeconds($Seconds)
    while (-not (& $Condition)) {
        if ([datetime]::UtcNow -gt $deadline) { throw "Timed out waiting for $Condition" }
        Start-Sleep -Milliseconds 50
    }
}
