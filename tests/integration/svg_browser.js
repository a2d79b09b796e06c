// SPDX-License-Identifier: MIT
// Loaded by svg_browser.html in headless Chromium: drives a kprof flame
// graph as a person would (click to zoom, hover, search) and writes what it
// saw into the page title, which the shell test reads with --dump-dom.
document.getElementById('o').addEventListener('load', function () {
	var d = this.contentDocument, out = {};
	try {
		var gs = d.querySelectorAll('g.f'), target = null, hidden = 0;
		var want = new URLSearchParams(location.search).get('frame');
		for (var i = 0; i < gs.length; i++)
			if (gs[i].querySelector('title').textContent.indexOf(want + ' (') === 0)
				target = gs[i];
		out.frames = gs.length;
		out.before = +target.querySelector('rect').getAttribute('width');
		target.dispatchEvent(new MouseEvent('click', { bubbles: true }));
		out.after = +target.querySelector('rect').getAttribute('width');
		for (var i = 0; i < gs.length; i++)
			if (gs[i].style.display === 'none') hidden++;
		out.hidden = hidden;
		target.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
		out.details = d.getElementById('details').textContent;
		var q = d.getElementById('search');
		q.value = want;
		q.dispatchEvent(new Event('input'));
		out.matched = d.getElementById('matched').textContent;
	} catch (e) {
		out.error = String(e);
	}
	document.title = JSON.stringify(out);
});
