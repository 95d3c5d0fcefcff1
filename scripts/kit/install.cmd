@echo off
rem Offline installer of anmin-track for Windows: find Python >= 3.11 (py -X.Y-64 for a version the kit
rem serves, else py -3, else python), then hand over
rem to wheels\install.py. Saved in GBK with CRLF: cmd.exe reads a batch file in the console code page, which
rem is set to 936 while this runs. ANMIN_KIT_NOPAUSE=1 skips the closing pause (for scripted use).
setlocal
set "ANMIN_OLDCP="
for /f "tokens=2 delims=:." %%c in ('chcp') do set "ANMIN_OLDCP=%%c"
chcp 936 >nul
set "KIT=%~dp0"
set "PY="
set "RC=1"
for %%v in (@PY_VERSIONS@) do (
    if not defined PY (
        py -%%v -c "import sys" >nul 2>&1
        if not errorlevel 1 set "PY=py -%%v"
    )
)
if not defined PY (
    py -3 -c "import sys" >nul 2>&1
    if not errorlevel 1 set "PY=py -3"
)
if not defined PY (
    python -c "import sys" >nul 2>&1
    if not errorlevel 1 set "PY=python"
)
if not defined PY goto nopython
%PY% -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" >nul 2>&1
if errorlevel 1 goto oldpython
%PY% "%KIT%wheels\install.py" %*
set "RC=%ERRORLEVEL%"
goto done

:nopython
echo 安装未完成：未找到 Python。请在有网络的电脑上从 python.org 下载 Python @PYTHON@ 的“@INSTALLER@”（文件名形如 @INSTALLER_FILE@），复制到本机安装（安装时勾选“Add python.exe to PATH”），然后再次运行 install.cmd。
goto done

:oldpython
set "PYVER="
for /f "delims=" %%v in ('%PY% -c "import sys; print(sys.version.split()[0])"') do set "PYVER=%%v"
echo 安装未完成：本机的 Python 是 %PYVER%，版本过低。请在有网络的电脑上从 python.org 下载 Python @PYTHON@ 的“@INSTALLER@”（文件名形如 @INSTALLER_FILE@），复制到本机安装后再次运行 install.cmd。（Windows 7 不能运行 Python 3.9 及以后的版本，须换用 Windows 10 或 11。）
goto done

:done
if defined ANMIN_OLDCP chcp %ANMIN_OLDCP% >nul
if not defined ANMIN_KIT_NOPAUSE pause
exit /b %RC%
