BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
    # The image is built with podman (runc, explicit ulimits) from a debootstrap base: root, podman, debootstrap and the
    # docker-registry package are needed; where one is missing the tests are skipped and say which.
    $missing = @('podman', 'debootstrap', 'docker-registry', 'skopeo') | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction Ignore) }
    $script:NoContainerReason = if ($env:KG_TEST_NO_CONTAINER) { $env:KG_TEST_NO_CONTAINER }
    elseif (-not $IsLinux) { 'the image is built on Linux only' }
    elseif ((id -u) -ne '0') { 'building the base image needs root (debootstrap)' }
    elseif ($missing) { "$($missing -join ', ') not installed (apt-get install podman buildah skopeo runc docker-registry debootstrap)" }
    elseif (-not $script:HasS3) { 'the S3 test server is not running' }
    else { $null }
    $script:HasContainer = -not $script:NoContainerReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if (-not $HasContainer) { return }
    $script:TestHome = Initialize-KgTestStore S3
    $env:CONTAINERS_CONF = Join-Path $RepoRoot 'container/containers.conf'
    # A registry of this test's own on a free loopback port.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:Registry = Join-Path $TestHome 'registry'
    & bash (Join-Path $RepoRoot 'tests/tools/oci-registry.sh') up $Registry $port | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "The test registry did not start on localhost:$port." }
    $script:Pushed = "localhost:$port/kgtools:test"
    $script:Image = & (Join-Path $RepoRoot 'container/Build-KgImage.ps1') -ModuleFolder (Split-Path $ModuleManifest) -Tag 'localhost/kgtools:test' `
        -WorkFolder (Join-Path $TestHome 'image') -Push $Pushed
    $script:ConceptId = $HasSharedData ? 'Q787' : 'Q9001'
    $script:ConceptFolder = $HasSharedData ? (Join-Path $SharedData 'concepts') : $ExampleConcepts
}

AfterAll {
    if ($HasContainer -and $Registry) {
        & bash (Join-Path $RepoRoot 'tests/tools/oci-registry.sh') down $Registry | Out-Null
        # The tag of this run's registry (a port of its own each run) would otherwise stay in podman's list.
        & podman rmi $Pushed *> $null
    }
}

Describe 'The container image' -Tag 'Container' {
    It 'is built from the Containerfile and pushed to the local registry' -Skip:(-not $HasContainer) {
        $Image.Id | Should -Match '^[0-9a-f]{64}$'
        $Image.SizeBytes | Should -BeGreaterThan 100MB
        $manifest = & skopeo inspect --tls-verify=false "docker://$Pushed" | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $manifest.Labels.'org.opencontainers.image.title' | Should -Be 'KnowledgeGraph'
    }

    It 'starts pwsh with the module imported' -Skip:(-not $HasContainer) {
        $out = & podman run --rm $Pushed -NonInteractive -Command '(Get-Module KnowledgeGraph).Version.ToString(); (Get-Command -Module KnowledgeGraph).Count' 2>$null
        $LASTEXITCODE | Should -Be 0
        $out[0] | Should -Be (Import-PowerShellDataFile $ModuleManifest).ModuleVersion
        [int]$out[1] | Should -Be (Get-Command -Module KnowledgeGraph).Count
    }

    It 'runs Deploy-KgClassifier as the original guide does: S3 credentials and classifier_specs mounted; the host sees the version, the registry record and the spec entry' -Skip:(-not $HasContainer) {
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'container-specs/v2') -Force
        $store = (Get-KgEnvironment sandbox).Store
        $run = @('run', '--rm', '--network=host',
            '--volume', "$($env:AWS_SHARED_CREDENTIALS_FILE):/root/.aws/credentials:ro",
            '--volume', "$($ConceptFolder):/kg/concepts:ro",
            '--volume', "$(Split-Path $specs):/kg/classifier_specs",
            '--env', 'AWS_EC2_METADATA_DISABLED=true', '--env', 'NO_COLOR=1',
            '--env', "KG_SANDBOX_STORE=$store", '--env', "KG_SANDBOX_ENDPOINT_URL=$S3Endpoint", '--env', "KG_SANDBOX_PROFILE=$S3Profile",
            $Pushed, '-NonInteractive', '-Command', "Deploy-KgClassifier $ConceptId -Environment sandbox -AddClassifiersProfile primary -ErrorAction Stop | Format-List WikibaseId, Promoted, Version")
        $out = (& podman @run 2>&1 | Out-String) -replace "`e\[[0-9;]*m", ''
        $LASTEXITCODE | Should -Be 0 -Because $out
        $out | Should -Match 'Promoted\s*:\s*True'
        $promoted = Get-KgClassifier $ConceptId -Environment sandbox -Promoted
        $promoted.Version | Should -Be 'v0'
        $promoted.ClassifiersProfile | Should -Be 'primary'
        Get-Content (Join-Path $specs 'sandbox.yaml') -Raw | Should -Match $ConceptId
    }

    It 'runs the tasks of a Slurm batch in the image (-Image)' -Skip:(-not ($HasContainer -and $env:KG_TEST_SLURM_CONF)) {
        $job = Invoke-KgTraining Q9001 -Environment labs -ConceptPath $ExampleConcepts -Scheduler Slurm -Image $Pushed
        $result = Receive-Job $job -Wait -ErrorAction Stop
        $result.WikibaseId | Should -Be 'Q9001'
        $result.Version | Should -Be 'v0'
        $script = Get-ChildItem $job.LogFolders[0] -Filter '*.sh' | Get-Content -Raw
        $script | Should -Match 'exec podman'
        $job | Remove-Job
    }
}
