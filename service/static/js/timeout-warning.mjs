// The GOV.UK-style session timeout warning: two minutes before the idle timeout a modal dialog
// offers "Stay signed in" (which tells the server the user is still here) or "Sign out". If
// nobody answers, the page goes to the timed-out page, which signs the session out.
export function initTimeoutWarning (root) {
  const idle = Number(root.dataset.idleSeconds) * 1000
  const warning = Number(root.dataset.warningSeconds) * 1000
  const dialog = root.querySelector('dialog')
  const countdown = root.querySelector('.app-timeout-warning__countdown')
  const announce = root.querySelector('.app-timeout-warning__announce')
  const stay = root.querySelector('.app-timeout-warning__stay')
  let deadline = 0
  let warnTimer = null
  let tick = null
  let returnFocus = null

  const describe = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000))
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60)
      return minutes + (minutes === 1 ? ' minute' : ' minutes')
    }
    return seconds + (seconds === 1 ? ' second' : ' seconds')
  }

  const timedOut = () => { window.location.href = root.dataset.timedOutUrl }

  const update = () => {
    const left = deadline - Date.now()
    if (left <= 0) { timedOut(); return }
    countdown.textContent = describe(left)
    // Screen readers hear the time left every 20 seconds, not every second.
    const seconds = Math.ceil(left / 1000)
    if (seconds % 20 === 0 || seconds === 110) {
      announce.textContent = 'For your security, we will sign you out in ' + describe(left) + '.'
    }
  }

  const open = () => {
    returnFocus = document.activeElement
    root.hidden = false
    dialog.showModal()
    update()
    tick = window.setInterval(update, 1000)
  }

  const close = () => {
    window.clearInterval(tick)
    if (dialog.open) dialog.close()
    root.hidden = true
    if (returnFocus && returnFocus.focus) returnFocus.focus()
  }

  const start = (idleMs) => {
    deadline = Date.now() + idleMs
    window.clearTimeout(warnTimer)
    warnTimer = window.setTimeout(open, Math.max(0, idleMs - warning))
  }

  stay.addEventListener('click', async () => {
    try {
      const response = await window.fetch(root.dataset.keepAliveUrl, {
        method: 'POST',
        headers: { 'X-CSRFToken': root.dataset.csrfToken },
        credentials: 'same-origin'
      })
      if (!response.ok) { timedOut(); return }
      const body = await response.json()
      close()
      start(body.idle_seconds * 1000)
    } catch (error) {
      timedOut()
    }
  })
  // Escape means "stay signed in", as in the GOV.UK pattern.
  dialog.addEventListener('cancel', (event) => { event.preventDefault(); stay.click() })

  start(idle)
}
