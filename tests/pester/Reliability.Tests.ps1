BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Concurrent processes on the <Kind> store' -ForEach $StoreKinds {
    BeforeAll {
        if (-not $Available) { return }
        $script:TestHome = Initialize-KgTestStore $Kind
        $script:ChildEnv = Get-KgChildEnvironment
    }

    It 'keeps all 11 sources that 11 processes add to one classifier at the same moment' -Skip:(-not $Available) {
        $t = Invoke-KgTraining Q9001 -Environment sandbox
        $t | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        $sources = 'sabin', 'cclw', 'cpr', 'af', 'cif', 'gcf', 'gef', 'oep', 'unfccc', 'uncdb', 'iccn'
        $scripts = $sources | ForEach-Object { "Set-KgClassifierMetadata Q9001 -ClassifierId $($t.ClassifierId) -Environment sandbox -AddDontRunOn $_" }
        $runs = Invoke-KgChildrenAtOnce -Scripts $scripts -Environment $ChildEnv
        $runs | ForEach-Object { $_.Error | Should -BeNullOrEmpty; $_.ExitCode | Should -Be 0 }
        (Get-KgClassifier Q9001 -Environment sandbox -Promoted).DontRunOn | Should -Be ($sources | Sort-Object)
        $history = Get-KgClassifierHistory Q9001 -Environment sandbox
        @($history | Where-Object Action -eq 'Update').Count | Should -Be 11
        $history.Sequence | Should -Be (1..12)
    }

    It 'promotes all 20 concepts that 20 processes publish at once, and the spec lists them all' -Skip:(-not $Available) {
        $concepts = New-Item -ItemType Directory (Join-Path $TestHome 'twenty')
        $ids = 101..120 | ForEach-Object { "Q$_" }
        foreach ($id in $ids) {
            "{`"preferred_label`": `"concept $id`", `"wikibase_id`": `"$id`"}" | Set-Content (Join-Path $concepts "$id.json")
        }
        $trained = $ids | Invoke-KgTraining -Environment staging -ConceptPath $concepts -NoEvaluate
        $scripts = $trained | ForEach-Object { "Publish-KgClassifier $($_.WikibaseId) -ClassifierId $($_.ClassifierId) -Environment staging -AddClassifiersProfile primary | Out-Null" }
        $runs = Invoke-KgChildrenAtOnce -Scripts $scripts -Environment $ChildEnv
        $runs | ForEach-Object { $_.Error | Should -BeNullOrEmpty; $_.ExitCode | Should -Be 0 }
        @(Get-KgClassifier -Environment staging -Promoted).Count | Should -Be 20
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'specs-twenty/v2') -Force
        $result = Update-KgInferenceSpec staging -Path (Split-Path $specs) -PassThru
        $result.Entries | Should -Be 20
        $listed = Select-String -Path (Join-Path $specs 'staging.yaml') -Pattern '^- wikibase_id: (Q\d+)$' | ForEach-Object { $_.Matches[0].Groups[1].Value }
        $listed | Should -Be $ids
    }
}

Describe 'A training killed during its upload on the <Kind> store' -ForEach $StoreKinds {
    BeforeAll {
        if (-not $Available) { return }
        $script:TestHome = Initialize-KgTestStore $Kind
    }

    It 'leaves no visible version and no registry record, and the next run succeeds' -Skip:(-not $Available) {
        $envVars = Get-KgChildEnvironment
        $envVars['KG_TEST_WRITE_DELAY_MS'] = '4000'   # every store write waits 4 s: the upload takes about 16 s
        $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', 'Import-Module $env:KG_TEST_MODULE; Invoke-KgTraining Q9001 -Environment sandbox -Verbose') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['KG_TEST_MODULE'] = $ModuleManifest
        foreach ($k in $envVars.Keys) { $psi.Environment[$k] = $envVars[$k] }
        $child = [System.Diagnostics.Process]::Start($psi)
        $err = $child.StandardError.ReadToEndAsync()
        $out = $child.StandardOutput.ReadToEndAsync()
        # Kill it while it uploads: after its first file is stored (about 5 s in), long before its manifest.
        Start-Sleep -Seconds 8
        $child.HasExited | Should -BeFalse -Because 'the upload should still be running'   # (reading $err.Result here would wait for the exit)
        if ($Kind -eq 'Local') {
            @(Get-ChildItem (Join-Path (Get-KgEnvironment sandbox).Store 'blobs') -Recurse -File).Count | Should -BeGreaterThan 0 -Because 'the upload has begun'
        }
        $child.Kill()   # SIGKILL, as kill -9
        $child.WaitForExit()
        $child.ExitCode | Should -Be 137
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
        Get-KgClassifierHistory Q9001 -Environment sandbox | Should -BeNullOrEmpty
        $again = Invoke-KgTraining Q9001 -Environment sandbox
        $again.Version | Should -Be 'v0'
        (Get-KgClassifier Q9001 -Environment sandbox -AllVersions).Version | Should -Be 'v0'
    }
}

Describe 'The S3 server stopped during a publish' {
    BeforeAll {
        if (-not $HasS3) { return }
        $script:TestHome = Initialize-KgTestStore S3
        $script:Trained = Invoke-KgTraining Q9001 -Environment sandbox
    }

    It 'fails clearly, applies nothing, and the same command succeeds after a restart' -Skip:(-not $HasS3) {
        $envVars = Get-KgChildEnvironment
        $envVars['KG_TEST_WRITE_DELAY_MS'] = '3000'   # the registry write waits 3 s: the gateway goes down meanwhile
        $command = "Publish-KgClassifier Q9001 -ClassifierId $($Trained.ClassifierId) -Environment sandbox -AddClassifiersProfile primary"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module `$env:KG_TEST_MODULE; $command -ErrorAction Stop") { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['KG_TEST_MODULE'] = $ModuleManifest
        $psi.Environment['NO_COLOR'] = '1'
        foreach ($k in $envVars.Keys) { $psi.Environment[$k] = $envVars[$k] }
        $child = [System.Diagnostics.Process]::Start($psi)
        $err = $child.StandardError.ReadToEndAsync()
        $out = $child.StandardOutput.ReadToEndAsync()
        try {
            Start-Sleep -Seconds 2.5
            & bash $env:KG_TEST_S3_SCRIPT stop-gateway $env:KG_TEST_S3_SERVER
            $child.WaitForExit(90000) | Should -BeTrue
        }
        finally {
            & bash $env:KG_TEST_S3_SCRIPT start-gateway $env:KG_TEST_S3_SERVER
        }
        $child.ExitCode | Should -Not -Be 0
        "$($err.Result)$($out.Result)" | Should -Match 'Cannot reach the S3 server'
        Get-KgClassifierHistory Q9001 -Environment sandbox | Should -BeNullOrEmpty
        Get-KgClassifier -Environment sandbox -Promoted | Should -BeNullOrEmpty
        $p = Invoke-Expression $command
        $p.Promoted | Should -BeTrue
        $p.Changed | Should -BeTrue
        @(Get-KgClassifierHistory Q9001 -Environment sandbox).Count | Should -Be 1
    }
}
