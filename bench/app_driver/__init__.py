"""Driving the playground in a real browser, for the browser tests and the load, memory and startup benches.

- `server`: `streamlit run app.py` on a free port in a subprocess, its health, log and memory.
- `pages`: headless Debian Chromium (never a downloaded browser), fresh sessions, waiting for
  Streamlit to finish, the sidebar links, metrics, pickers and screenshots.
- `drawing`: digits drawn with real mouse strokes on the Draw page's canvas, the Prediction
  and the mouse-up -> answer latency.
- `training`: starting a run on the Train page and following it to the end.
- `hooks`: the JavaScript behind the waits and timings (measured in the page itself).
- `stats`: percentiles.

Everything browser-side is Playwright's asyncio API; a test runs it with
`loop.run_until_complete`.

    server = AppServer(app_env())
    server.start()
    browser = await pages.launch_browser(playwright)
    page = await pages.new_page(browser)
    await pages.open_app(page, server.url("/draw"))
    await drawing.wait_draw_ready(page)
    result = await drawing.draw_digit(page, 7, random.Random(0))
"""
